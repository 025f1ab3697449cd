namespace Milter.Mime;

/// <summary>Limits and settings of a <see cref="MessageCapture"/>.</summary>
public sealed class MessageCaptureOptions
{
    /// <summary>Messages up to this size stay in memory; larger ones go to an unnamed temporary file. Default 1 MiB.</summary>
    public long MemoryLimit { get; set; } = 1024 * 1024;

    /// <summary>Where temporary files go. Default: the system's temporary folder.</summary>
    public string? TemporaryDirectory { get; set; }

    /// <summary>
    /// Set when the filter negotiates HDR_LEADSPC (<c>[MailFilter(HeaderLeadingSpace = true)]</c>): header values
    /// then arrive with their leading space, and changes are sent the same way.
    /// </summary>
    public bool HeaderLeadingSpace { get; set; }

    /// <summary>
    /// The most MIME parts (multiparts, leaves and attached messages together) a message may have to be parsed. Default
    /// 1,000; MimeKit needs roughly 1.3 KB and 10 µs per part, so 180,000 tiny parts would cost 240 MB and 2 s.
    /// </summary>
    public int MaxParts { get; set; } = 1000;

    /// <summary>
    /// The most bytes the message's parts may hold once decoded (estimated without decoding). Default 64 MiB.
    /// </summary>
    public long MaxDecodedSize { get; set; } = 64L * 1024 * 1024;

    /// <summary>The answer for a message over <see cref="MaxParts"/> or <see cref="MaxDecodedSize"/>. Default: tempfail.</summary>
    public MimeLimitAction OverLimit { get; set; }
}
