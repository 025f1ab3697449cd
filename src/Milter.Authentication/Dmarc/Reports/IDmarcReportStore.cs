namespace Milter.Authentication;

/// <summary>Where the per-message entries of DMARC aggregate reports are kept until the report is written.</summary>
public interface IDmarcReportStore
{
    /// <summary>Keeps <paramref name="entry"/>.</summary>
    ValueTask AddAsync(DmarcReportEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The entries whose time is in [<paramref name="begin"/>, <paramref name="end"/>), in the order they were kept.</summary>
    IAsyncEnumerable<DmarcReportEntry> ReadAsync(DateTimeOffset begin, DateTimeOffset end, CancellationToken cancellationToken = default);
}
