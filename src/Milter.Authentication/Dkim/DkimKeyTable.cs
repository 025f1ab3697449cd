namespace Milter.Authentication;

/// <summary>
/// Which keys sign which mail, as OpenDKIM's KeyTable and SigningTable (with <c>refile:</c>) say it:
/// a KeyTable line is <c>NAME DOMAIN:SELECTOR:KEYPATH</c>; a SigningTable line is <c>PATTERN NAME</c>, where the pattern
/// is matched against the From address (<c>*@example.org</c>, <c>user@example.org</c>) or its domain
/// (<c>example.org</c>, <c>*.example.org</c>), <c>*</c> matching any run of characters. Lines starting with # are comments.
/// </summary>
public sealed class DkimKeyTable
{
    private readonly List<(string Pattern, DkimSigningKey Key)> _rules = [];

    /// <summary>Whether every matching line signs (OpenDKIM's MultipleSignatures), or only the first.</summary>
    public bool MultipleSignatures { get; set; }

    /// <summary>The rules, in order.</summary>
    public int Count => _rules.Count;

    /// <summary>The private key files <see cref="Load"/> read, for <see cref="KeyFileSafety"/>; empty for a table built with <see cref="Add"/>.</summary>
    public IReadOnlyList<string> KeyFiles { get; private init; } = [];

    /// <summary>Adds a rule: mail whose From address or domain matches <paramref name="pattern"/> is signed with <paramref name="key"/>.</summary>
    public void Add(string pattern, DkimSigningKey key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentNullException.ThrowIfNull(key);
        _rules.Add((WithAsciiDomain(pattern.Trim()), key));
    }

    /// <summary>Reads a KeyTable and a SigningTable (OpenDKIM's files); key paths are read at once.</summary>
    /// <exception cref="FormatException">A line that is not what OpenDKIM expects, a name the KeyTable lacks, or a key that cannot be read; the message names the file and line.</exception>
    public static DkimKeyTable Load(string keyTablePath, string signingTablePath)
    {
        var keys = new Dictionary<string, DkimSigningKey>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var (number, fields) in Lines(keyTablePath))
        {
            var parts = fields.Length == 2 ? fields[1].Split(':', 3) : [];
            if (parts.Length != 3)
                throw new FormatException($"{keyTablePath}:{number}: expected NAME DOMAIN:SELECTOR:KEYPATH");
            var path = Path.IsPathRooted(parts[2]) ? parts[2] : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(keyTablePath))!, parts[2]);
            keys[fields[0]] = DkimSigningKey.Load(parts[0], parts[1], path);
            files.Add(path);
        }

        var table = new DkimKeyTable { KeyFiles = files };
        foreach (var (number, fields) in Lines(signingTablePath))
        {
            if (fields.Length != 2)
                throw new FormatException($"{signingTablePath}:{number}: expected PATTERN NAME");
            if (!keys.TryGetValue(fields[1], out var key))
                throw new FormatException($"{signingTablePath}:{number}: the KeyTable has no key named \"{fields[1]}\"");
            table.Add(fields[0], key);
        }

        return table;
    }

    /// <summary>The keys that sign mail from <paramref name="fromAddress"/> (the From header's address): the first match,
    /// or every match with <see cref="MultipleSignatures"/>; empty when none.</summary>
    public IReadOnlyList<DkimSigningKey> Find(string fromAddress)
    {
        ArgumentNullException.ThrowIfNull(fromAddress);
        var address = WithAsciiDomain(fromAddress);
        var domain = address[(address.LastIndexOf('@') + 1)..];
        var found = new List<DkimSigningKey>();
        foreach (var (pattern, key) in _rules)
        {
            if (!Glob.Matches(pattern, address) && !Glob.Matches(pattern, domain))
                continue;
            found.Add(key);
            if (!MultipleSignatures)
                break;
        }

        return found;
    }

    // Patterns and addresses compared in A-labels, so bücher.example and xn--bcher-kva.example are one domain; a label
    // with a wildcard is left as it is.
    private static string WithAsciiDomain(string text)
    {
        var at = text.LastIndexOf('@');
        var labels = text[(at + 1)..].Split('.').Select(label => label.Contains('*', StringComparison.Ordinal) ? label : DomainName.ToAscii(label) ?? label);
        return $"{text[..(at + 1)]}{string.Join('.', labels)}";
    }

    private static IEnumerable<(int Number, string[] Fields)> Lines(string path)
    {
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#')
                continue;
            yield return (number, text.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
    }
}
