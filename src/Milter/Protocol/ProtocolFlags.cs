namespace Milter.Protocol;

/// <summary>
/// Protocol options (SMFIP_* in libmilter's mfdef.h): steps the milter does not want (No*),
/// steps it will not answer (NoReply*), and features.
/// </summary>
[Flags]
#pragma warning disable CA1028 // The wire format is an unsigned 32-bit mask.
public enum ProtocolFlags : uint
#pragma warning restore CA1028
{
    /// <summary>No options.</summary>
    None = 0,

    /// <summary>Do not send CONNECT (SMFIP_NOCONNECT).</summary>
    NoConnect = 0x00000001,

    /// <summary>Do not send HELO (SMFIP_NOHELO).</summary>
    NoHelo = 0x00000002,

    /// <summary>Do not send MAIL (SMFIP_NOMAIL).</summary>
    NoMail = 0x00000004,

    /// <summary>Do not send RCPT (SMFIP_NORCPT).</summary>
    NoRcpt = 0x00000008,

    /// <summary>Do not send BODY (SMFIP_NOBODY).</summary>
    NoBody = 0x00000010,

    /// <summary>Do not send HEADER (SMFIP_NOHDRS).</summary>
    NoHeaders = 0x00000020,

    /// <summary>Do not send EOH (SMFIP_NOEOH).</summary>
    NoEndOfHeaders = 0x00000040,

    /// <summary>The milter does not reply to HEADER (SMFIP_NR_HDR, old name SMFIP_NOHREPL).</summary>
    NoReplyHeader = 0x00000080,

    /// <summary>Do not send UNKNOWN (SMFIP_NOUNKNOWN).</summary>
    NoUnknown = 0x00000100,

    /// <summary>Do not send DATA (SMFIP_NODATA).</summary>
    NoData = 0x00000200,

    /// <summary>The MTA understands SKIP as a reply to BODY (SMFIP_SKIP).</summary>
    Skip = 0x00000400,

    /// <summary>Also send recipients the MTA itself rejected (SMFIP_RCPT_REJ).</summary>
    RejectedRecipients = 0x00000800,

    /// <summary>The milter does not reply to CONNECT (SMFIP_NR_CONN).</summary>
    NoReplyConnect = 0x00001000,

    /// <summary>The milter does not reply to HELO (SMFIP_NR_HELO).</summary>
    NoReplyHelo = 0x00002000,

    /// <summary>The milter does not reply to MAIL (SMFIP_NR_MAIL).</summary>
    NoReplyMail = 0x00004000,

    /// <summary>The milter does not reply to RCPT (SMFIP_NR_RCPT).</summary>
    NoReplyRcpt = 0x00008000,

    /// <summary>The milter does not reply to DATA (SMFIP_NR_DATA).</summary>
    NoReplyData = 0x00010000,

    /// <summary>The milter does not reply to UNKNOWN (SMFIP_NR_UNKN).</summary>
    NoReplyUnknown = 0x00020000,

    /// <summary>The milter does not reply to EOH (SMFIP_NR_EOH).</summary>
    NoReplyEndOfHeaders = 0x00040000,

    /// <summary>The milter does not reply to BODY (SMFIP_NR_BODY).</summary>
    NoReplyBody = 0x00080000,

    /// <summary>Header values keep their leading space, both ways (SMFIP_HDR_LEADSPC).</summary>
    HeaderLeadingSpace = 0x00100000,

    /// <summary>Every step-suppressing bit (the SMFIP_NO* set).</summary>
    AllNoSteps = NoConnect | NoHelo | NoMail | NoRcpt | NoBody | NoHeaders | NoEndOfHeaders | NoUnknown | NoData,

    /// <summary>Every no-reply bit (the SMFIP_NR_* set).</summary>
    AllNoReply = NoReplyConnect | NoReplyHelo | NoReplyMail | NoReplyRcpt | NoReplyData | NoReplyUnknown
        | NoReplyEndOfHeaders | NoReplyBody | NoReplyHeader,

    /// <summary>What a version 1 MTA allows; assumed when the MTA offers 0 (SMFI_V1_PROT).</summary>
    Version1Defaults = 0x3F,

    /// <summary>Every bit protocol version 6 defines (SMFI_CURR_PROT).</summary>
    All = 0x001FFFFF,
}
