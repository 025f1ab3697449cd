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
}
