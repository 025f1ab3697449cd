namespace Milter.Mime;

/// <summary>
/// Bounds on the work spent looking inside zip archives, so a zip bomb (an archive that inflates to gigabytes,
/// or nests archives in archives) costs a bounded amount of time, memory and disk. What goes over a limit is
/// reported as an <see cref="ArchiveProblem"/>, never an exception.
/// </summary>
public sealed class ArchiveLimits
{
    /// <summary>How many archives deep to look: 1 lists the entries of attached archives only. Default 3.</summary>
    public int MaxDepth { get; set; } = 3;

    /// <summary>The most entries listed per message, over all archives. Default 10,000.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>
    /// The most bytes decoded or inflated per message to open archives (attachments and archives inside archives).
    /// Counted as read, so a lying size field in the archive does not help. Default 64 MiB.
    /// </summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;
}
