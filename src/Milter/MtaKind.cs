namespace Milter;

/// <summary>The MTA on the other end of a milter connection, as far as the runtime could tell.</summary>
public enum MtaKind
{
    /// <summary>Not (yet) recognised: header changes are sent as written.</summary>
    Unknown,

    /// <summary>Postfix (its <c>v</c> macro, <c>{daemon_addr}</c>, or the macro packets only Postfix sends).</summary>
    Postfix,

    /// <summary>Sendmail (a bare version number in <c>v</c>, <c>{if_name}</c> or <c>{if_addr}</c>).</summary>
    Sendmail,
}
