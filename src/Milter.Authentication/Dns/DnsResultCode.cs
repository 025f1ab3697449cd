namespace Milter.Authentication;

/// <summary>How a DNS question ended, in the terms the authentication RFCs use.</summary>
public enum DnsResultCode
{
    /// <summary>The name exists and has records of the type asked for.</summary>
    Success,

    /// <summary>The name does not exist (NXDOMAIN). A "void lookup" for SPF.</summary>
    NameError,

    /// <summary>The name exists but has no records of the type asked for (NOERROR, empty answer). A "void lookup" for SPF.</summary>
    NoData,

    /// <summary>No answer could be had now: a timeout, SERVFAIL, REFUSED, a network error or the message's DNS budget spent.
    /// Authentication methods report it as <c>temperror</c>.</summary>
    TemporaryFailure,
}
