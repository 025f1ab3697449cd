namespace Milter.Authentication;

/// <summary>
/// The public suffix list (publicsuffix.org's rules: <c>*.</c> wildcards and <c>!</c> exceptions), for the
/// organizational domain of DMARC (RFC 7489 3.2). Debian's publicsuffix package installs it at <see cref="DebianPath"/>.
/// The list writes its IDN rules in U-labels; they are kept as A-labels (<see cref="DomainName"/>), so a name matches
/// its rule whichever way it is spelt.
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>Where Debian's publicsuffix package puts the list.</summary>
    public const string DebianPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private readonly HashSet<string> _rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _wildcards = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _exceptions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A list made of the rules in <paramref name="lines"/> (the file's lines; comments and blank lines are skipped).</summary>
    public PublicSuffixList(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines)
        {
            // A rule is the first word of its line.
            var rule = line.Trim().Split(' ', '\t')[0];
            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
                continue;
            if (rule.StartsWith('!'))
                AddRule(_exceptions, rule[1..]);
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
                AddRule(_wildcards, rule[2..]);
            else
                AddRule(_rules, rule);
        }
    }

    /// <summary>Reads the list from <paramref name="path"/> (Debian's file by default).</summary>
    public static PublicSuffixList Load(string path = DebianPath) => new(File.ReadLines(path));

    /// <summary>
    /// The organizational domain of <paramref name="domain"/>: its public suffix and one label more (RFC 7489 3.2), in
    /// A-labels and lower case. A name that is itself a public suffix is its own organizational domain; a name that is
    /// not a domain name comes back lower-cased.
    /// </summary>
    public string OrganizationalDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var ascii = DomainName.ToAscii(domain);
        return ascii is null ? domain.Trim().TrimEnd('.').ToLowerInvariant() : RegistrableDomain(ascii) ?? ascii;
    }

    /// <summary>
    /// The registrable domain of <paramref name="domain"/> (its public suffix and one label more, in A-labels), or
    /// null when the name is a public suffix itself or no domain name (publicsuffix.org's test_psl.txt semantics).
    /// </summary>
    public string? RegistrableDomain(string? domain)
    {
        if (DomainName.ToAscii(domain) is not { } ascii || domain!.TrimStart().StartsWith('.'))
            return null;
        var labels = ascii.Split('.');
        var suffixLength = 1;  // the default rule "*": an unlisted top label is a suffix
        for (var i = 0; i < labels.Length; i++)
        {
            var name = string.Join('.', labels[i..]);
            if (_exceptions.Contains(name))
            {
                suffixLength = labels.Length - i - 1;
                break;
            }

            if (_rules.Contains(name) || (i + 1 < labels.Length && _wildcards.Contains(string.Join('.', labels[(i + 1)..]))))
            {
                suffixLength = labels.Length - i;
                break;
            }
        }

        return suffixLength >= labels.Length ? null : string.Join('.', labels[(labels.Length - suffixLength - 1)..]);
    }

    // A rule the platform cannot encode (none in the published list) is kept as written: it can then only match itself.
    private static void AddRule(HashSet<string> rules, string rule) => rules.Add(DomainName.ToAscii(rule) ?? rule.ToLowerInvariant());
}
