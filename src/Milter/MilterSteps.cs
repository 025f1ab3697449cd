namespace Milter;

/// <summary>The protocol steps a milter can take part in. A step a milter does not handle is negotiated away.</summary>
[Flags]
public enum MilterSteps
{
    /// <summary>No steps.</summary>
    None = 0,

    /// <summary>The client connected (SMFIC_CONNECT).</summary>
    Connect = 1 << 0,

    /// <summary>HELO or EHLO (SMFIC_HELO).</summary>
    Helo = 1 << 1,

    /// <summary>MAIL FROM (SMFIC_MAIL).</summary>
    Mail = 1 << 2,

    /// <summary>RCPT TO, once per recipient (SMFIC_RCPT).</summary>
    Rcpt = 1 << 3,

    /// <summary>DATA (SMFIC_DATA).</summary>
    Data = 1 << 4,

    /// <summary>One header field (SMFIC_HEADER).</summary>
    Header = 1 << 5,

    /// <summary>End of headers (SMFIC_EOH).</summary>
    EndOfHeaders = 1 << 6,

    /// <summary>One body chunk (SMFIC_BODY).</summary>
    Body = 1 << 7,

    /// <summary>An unknown SMTP command (SMFIC_UNKNOWN).</summary>
    Unknown = 1 << 8,

    /// <summary>End of message (SMFIC_BODYEOB): always sent, always answered.</summary>
    EndOfMessage = 1 << 9,

    /// <summary>The message was abandoned (SMFIC_ABORT, or an early decision).</summary>
    Abort = 1 << 10,

    /// <summary>The connection ended (QUIT, QUIT_NC or EOF).</summary>
    Close = 1 << 11,

    /// <summary>Steps that can be negotiated away or made no-reply.</summary>
    Negotiable = Connect | Helo | Mail | Rcpt | Data | Header | EndOfHeaders | Body | Unknown,
}
