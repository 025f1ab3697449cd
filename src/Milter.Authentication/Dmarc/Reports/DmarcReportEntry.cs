using System.Net;

namespace Milter.Authentication;

/// <summary>
/// What an aggregate report (RFC 7489 7.2) says of one message: where it came from, its identifiers, the policy that
/// applied and what was done, and the DKIM and SPF results uninterpreted. Made by <see cref="From"/>, kept by an
/// <see cref="IDmarcReportStore"/>, grouped into rows by <see cref="DmarcAggregateReport"/>.
/// </summary>
/// <param name="Time">When the message was checked.</param>
/// <param name="Source">The connecting client's address.</param>
/// <param name="HeaderFrom">The RFC5322.From domain (A-labels).</param>
/// <param name="EnvelopeFrom">The RFC5321.MailFrom domain (A-labels; the HELO name for the null sender), or empty.</param>
/// <param name="PolicyDomain">The domain whose record applied: the report is for it.</param>
/// <param name="Published">The record that applied.</param>
/// <param name="Disposition">What was done: none, quarantine or reject.</param>
/// <param name="DkimAligned">Whether an aligned DKIM signature passed.</param>
/// <param name="SpfAligned">Whether aligned SPF passed.</param>
/// <param name="Override">Why the disposition is less than the policy asked, or null: <c>sampled_out</c> (pct=),
/// <c>local_policy</c> (a trusted ARC sealer).</param>
/// <param name="OverrideComment">The override's comment (the ARC sealer), or null.</param>
/// <param name="Dkim">Each DKIM signature's (domain, selector, result).</param>
/// <param name="Spf">The SPF MAIL FROM (domain, result), or null when SPF was not checked.</param>
public sealed record DmarcReportEntry(DateTimeOffset Time, IPAddress Source, string HeaderFrom, string EnvelopeFrom, string PolicyDomain, DmarcRecord Published,
    DmarcPolicy Disposition, bool DkimAligned, bool SpfAligned, string? Override, string? OverrideComment,
    IReadOnlyList<(string Domain, string? Selector, AuthResult Result)> Dkim, (string Domain, AuthResult Result)? Spf)
{
    /// <summary>
    /// The entry for a message checked with <paramref name="report"/>, or null when no DMARC record applied (no policy,
    /// a DNS failure, no single From domain): nobody asked for a report of it.
    /// </summary>
    public static DmarcReportEntry? From(AuthenticationReport report, IPAddress source, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(source);
        if (report.Dmarc is not { Record: { } record, PolicyDomain: { } policyDomain, FromDomain: { } from } dmarc)
            return null;
        var (reason, comment) = dmarc switch
        {
            { ArcOverride: { } sealer } => ("local_policy", $"arc=pass as sealed by {sealer}"),
            { Result: AuthResult.Fail } when dmarc.Disposition < dmarc.RequestedPolicy => ("sampled_out", null),
            _ => ((string?)null, (string?)null),
        };
        var spf = report.MailFrom is { } mailFrom ? (mailFrom.Domain, mailFrom.Result) : ((string, AuthResult)?)null;
        return new DmarcReportEntry(time, IPNetworks.Normalize(source), from, report.MailFrom?.Domain ?? "", policyDomain, record, dmarc.Disposition,
            dmarc.DkimAligned, dmarc.SpfAligned, reason, comment,
            report.Dkim.Where(d => d.Domain is not null).Select(d => (d.Domain!, d.Selector, d.Result)).ToList(), spf);
    }
}
