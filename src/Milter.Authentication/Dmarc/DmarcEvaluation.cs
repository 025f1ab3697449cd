using MimeKit;

namespace Milter.Authentication;

/// <summary>
/// DMARC (RFC 7489): finds the From domain's policy (or its organizational domain's), checks whether a passing DKIM
/// signature or the SPF MAIL FROM result is aligned with the From domain, and gives the disposition the policy asks
/// for, pct= included. What to do with it is the filter's choice (see <see cref="DmarcResult.Disposition"/>).
/// </summary>
public sealed class DmarcEvaluation
{
    private readonly PublicSuffixList _suffixes;
    private readonly Func<int> _percentile;

    /// <summary>Creates an evaluator with the public suffix list; <paramref name="percentile"/> draws 0-99 for pct= (random by default).</summary>
    public DmarcEvaluation(PublicSuffixList suffixes, Func<int>? percentile = null)
    {
        ArgumentNullException.ThrowIfNull(suffixes);
        _suffixes = suffixes;
        _percentile = percentile ?? (() => Random.Shared.Next(100));
    }

    /// <summary>The organizational domain of <paramref name="domain"/> by the public suffix list.</summary>
    public string OrganizationalDomain(string domain) => _suffixes.OrganizationalDomain(domain);

    /// <summary>Evaluates <paramref name="message"/> with the DKIM results of its signatures and the SPF result for MAIL FROM.</summary>
    public async Task<DmarcResult> EvaluateAsync(MimeMessage message, IReadOnlyList<DkimSignatureResult> dkim, SpfCheckResult? mailFrom, IDnsResolver dns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(dkim);
        ArgumentNullException.ThrowIfNull(dns);
        var from = FromDomain(message);
        if (from is null)
            return new DmarcResult(AuthResult.PermError, null, null, DmarcPolicy.None, DmarcPolicy.None, "no single From domain name");

        var organizational = _suffixes.OrganizationalDomain(from);
        var (record, policyDomain, error) = await FindRecordAsync(from, organizational, dns, cancellationToken).ConfigureAwait(false);
        if (error is not null)
            return new DmarcResult(error.Value.Result, from, policyDomain, DmarcPolicy.None, DmarcPolicy.None, error.Value.Reason);
        if (record is null)
            return new DmarcResult(AuthResult.None, from, null, DmarcPolicy.None, DmarcPolicy.None, "no DMARC record");

        var requested = policyDomain == from ? record.Policy : record.SubdomainPolicy;
        var dkimAligned = dkim.FirstOrDefault(r => r.Result == AuthResult.Pass && r.Domain is { } d && Aligned(d, from, organizational, record.StrictDkim));
        var spfAligned = mailFrom is { Result: AuthResult.Pass } spf && Aligned(spf.Domain, from, organizational, record.StrictSpf);
        if (dkimAligned is not null || spfAligned)
        {
            var reason = dkimAligned is not null ? $"DKIM aligned ({dkimAligned.Domain})" : $"SPF aligned ({mailFrom!.Domain})";
            return new DmarcResult(AuthResult.Pass, from, policyDomain, requested, DmarcPolicy.None, reason)
            {
                Record = record, DkimAligned = dkimAligned is not null, SpfAligned = spfAligned,
            };
        }

        // Outside the pct= sample, the next policy down applies (RFC 7489 6.6.4).
        var disposition = _percentile() < record.Percent ? requested : (DmarcPolicy)Math.Max(0, (int)requested - 1);
        return new DmarcResult(AuthResult.Fail, from, policyDomain, requested, disposition, "neither DKIM nor SPF aligned") { Record = record };
    }

    // Both sides in A-labels: d= and the SPF domain may be spelt in U-labels or another case than From.
    private bool Aligned(string domain, string from, string organizational, bool strict) =>
        DomainName.ToAscii(domain) is { } ascii && (strict ? ascii == from : _suffixes.OrganizationalDomain(ascii) == organizational);

    private static async Task<(DmarcRecord? Record, string? Domain, (AuthResult Result, string Reason)? Error)> FindRecordAsync(
        string from, string organizational, IDnsResolver dns, CancellationToken cancellationToken)
    {
        foreach (var domain in from == organizational ? [from] : new[] { from, organizational })
        {
            var answer = await dns.TxtAsync($"_dmarc.{domain}", cancellationToken).ConfigureAwait(false);
            if (answer.IsTemporaryFailure)
                return (null, domain, (AuthResult.TempError, $"DMARC record of {domain}: {answer.Error}"));
            var records = answer.Records.Where(DmarcRecord.IsDmarc).ToList();
            // More than one record is no record (RFC 7489 6.6.3).
            if (records.Count != 1)
                continue;
            var record = DmarcRecord.Parse(records[0]);
            return record is null ? (null, domain, (AuthResult.PermError, $"malformed DMARC record at _dmarc.{domain}")) : (record, domain, null);
        }

        return (null, null, null);
    }

    // MimeKit shows an xn-- domain in U-labels; DNS and the comparisons want A-labels.
    private static string? FromDomain(MimeMessage message)
    {
        var froms = message.Headers.Where(h => h.Id == HeaderId.From).ToList();
        if (froms.Count != 1 || message.From.Mailboxes.Count() != 1)
            return null;
        return DomainName.ToAscii(message.From.Mailboxes.First().Domain);
    }
}
