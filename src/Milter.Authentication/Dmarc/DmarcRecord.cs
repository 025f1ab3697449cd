using System.Globalization;

namespace Milter.Authentication;

/// <summary>A DMARC policy record (RFC 7489 6.3): the tags a receiver acts on, and reports back in aggregate reports.</summary>
/// <param name="Policy">p=.</param>
/// <param name="SubdomainPolicy">sp= (p= when absent).</param>
/// <param name="Percent">pct= (100 when absent).</param>
/// <param name="StrictDkim">adkim=s.</param>
/// <param name="StrictSpf">aspf=s.</param>
public sealed record DmarcRecord(DmarcPolicy Policy, DmarcPolicy SubdomainPolicy, int Percent, bool StrictDkim, bool StrictSpf)
{
    /// <summary>fo= as written ("0" when absent): which failures the domain wants failure reports for.</summary>
    public string FailureOptions { get; init; } = "0";

    /// <summary>Whether a TXT record is a DMARC record (starts with v=DMARC1).</summary>
    internal static bool IsDmarc(string text)
    {
        var first = text.Split(';', 2)[0].Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal);
        return first.Equals("v=DMARC1", StringComparison.Ordinal);
    }

    /// <summary>
    /// Parses a record. A missing or unknown p= makes it invalid (null), unless rua= is there, in which case it is
    /// p=none (RFC 7489 6.6.3); other bad values fall back to their defaults.
    /// </summary>
    internal static DmarcRecord? Parse(string text)
    {
        var tags = DkimTags.Parse(text);
        if (tags is null)
            return null;
        var policy = ParsePolicy(tags.GetValueOrDefault("p"));
        if (policy is null)
        {
            if (!tags.ContainsKey("rua"))
                return null;
            policy = DmarcPolicy.None;
        }

        var percent = int.TryParse(tags.GetValueOrDefault("pct"), NumberStyles.None, CultureInfo.InvariantCulture, out var pct) ? Math.Min(pct, 100) : 100;
        return new DmarcRecord(policy.Value, ParsePolicy(tags.GetValueOrDefault("sp")) ?? policy.Value, percent,
            tags.GetValueOrDefault("adkim") is "s", tags.GetValueOrDefault("aspf") is "s")
        {
            FailureOptions = tags.GetValueOrDefault("fo") is { Length: > 0 } fo ? fo : "0",
        };
    }

    private static DmarcPolicy? ParsePolicy(string? value) => value?.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };
}
