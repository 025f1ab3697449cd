namespace Milter.Authentication;

/// <summary>
/// The public suffix list (publicsuffix.org's rules: <c>*.</c> wildcards and <c>!</c> exceptions), for the
/// organizational domain of DMARC (RFC 7489 3.2). Debian's publicsuffix package installs it at <see cref="DebianPath"/>.
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
                _exceptions.Add(rule[1..]);
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
                _wildcards.Add(rule[2..]);
            else
                _rules.Add(rule);
        }
    }

    /// <summary>Reads the list from <paramref name="path"/> (Debian's file by default).</summary>
    public static PublicSuffixList Load(string path = DebianPath) => new(File.ReadLines(path));

    /// <summary>
    /// The organizational domain of <paramref name="domain"/>: its public suffix and one label more (RFC 7489 3.2), in
    /// lower case. A name that is itself a public suffix is its own organizational domain.
    /// </summary>
    public string OrganizationalDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var labels = domain.Trim().TrimEnd('.').ToLowerInvariant().Split('.');
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

        return string.Join('.', labels[Math.Max(0, labels.Length - suffixLength - 1)..]);
    }
}
