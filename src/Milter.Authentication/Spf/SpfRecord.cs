using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Milter.Authentication;

/// <summary>An SPF record (RFC 7208 4.6, 12): its mechanisms in order and its redirect= and exp= modifiers.</summary>
internal sealed class SpfRecord
{
    private SpfRecord(List<SpfTerm> mechanisms, SpfTerm? redirect, SpfTerm? explanation)
    {
        Mechanisms = mechanisms;
        Redirect = redirect;
        Explanation = explanation;
    }

    public IReadOnlyList<SpfTerm> Mechanisms { get; }

    public SpfTerm? Redirect { get; }

    public SpfTerm? Explanation { get; }

    /// <summary>Whether a TXT record is an SPF record ("v=spf1" alone or followed by a space).</summary>
    public static bool IsSpf(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    /// <summary>Parses a record; null with <paramref name="error"/> when any term is malformed (a permerror, RFC 7208 4.6).</summary>
    public static SpfRecord? Parse(string text, out string? error)
    {
        var mechanisms = new List<SpfTerm>();
        SpfTerm? redirect = null, explanation = null;
        foreach (var word in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var term = ParseTerm(word) is { } parsed ? parsed with { Text = word } : null;
            if (term is null)
            {
                error = $"malformed term \"{word}\"";
                return null;
            }

            switch (term.Kind)
            {
                case SpfTermKind.Redirect when redirect is not null:
                case SpfTermKind.Explanation when explanation is not null:
                    error = $"a second {word[..word.IndexOf('=', StringComparison.Ordinal)]}= modifier";
                    return null;
                case SpfTermKind.Redirect:
                    redirect = term;
                    break;
                case SpfTermKind.Explanation:
                    explanation = term;
                    break;
                case SpfTermKind.UnknownModifier:
                    break;
                default:
                    mechanisms.Add(term);
                    break;
            }
        }

        error = null;
        return new SpfRecord(mechanisms, redirect, explanation);
    }

    private static SpfTerm? ParseTerm(string word)
    {
        var equals = word.IndexOf('=', StringComparison.Ordinal);
        var colon = word.IndexOfAny([':', '/']);
        if (equals > 0 && (colon < 0 || equals < colon))
            return ParseModifier(word[..equals], word[(equals + 1)..]);

        var qualifier = '+';
        if (word[0] is '+' or '-' or '~' or '?')
        {
            qualifier = word[0];
            word = word[1..];
        }

        var nameEnd = word.IndexOfAny([':', '/']);
        var name = (nameEnd < 0 ? word : word[..nameEnd]).ToLowerInvariant();
        var rest = nameEnd < 0 ? "" : word[nameEnd..];
        return name switch
        {
            "all" when rest.Length == 0 => new SpfTerm(SpfTermKind.All, qualifier, null, null, 32, 128),
            "include" or "exists" => rest.StartsWith(':') && SpfMacro.IsValidDomainSpec(rest[1..])
                ? new SpfTerm(name == "include" ? SpfTermKind.Include : SpfTermKind.Exists, qualifier, rest[1..], null, 32, 128)
                : null,
            "ptr" => rest.Length == 0 ? new SpfTerm(SpfTermKind.Ptr, qualifier, null, null, 32, 128)
                : rest.StartsWith(':') && SpfMacro.IsValidDomainSpec(rest[1..]) ? new SpfTerm(SpfTermKind.Ptr, qualifier, rest[1..], null, 32, 128) : null,
            "a" or "mx" => ParseAddressMechanism(name == "a" ? SpfTermKind.A : SpfTermKind.Mx, qualifier, rest),
            "ip4" => ParseNetwork(SpfTermKind.Ip4, qualifier, rest, AddressFamily.InterNetwork, 32),
            "ip6" => ParseNetwork(SpfTermKind.Ip6, qualifier, rest, AddressFamily.InterNetworkV6, 128),
            _ => null,
        };
    }

    private static SpfTerm? ParseModifier(string name, string value)
    {
        if (!char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return null;
        return name.ToLowerInvariant() switch
        {
            "redirect" => SpfMacro.IsValidDomainSpec(value) ? new SpfTerm(SpfTermKind.Redirect, '+', value, null, 32, 128) : null,
            "exp" => SpfMacro.IsValidDomainSpec(value) ? new SpfTerm(SpfTermKind.Explanation, '+', value, null, 32, 128) : null,
            _ => SpfMacro.IsValidMacroString(value) ? new SpfTerm(SpfTermKind.UnknownModifier, '+', value, null, 32, 128) : null,
        };
    }

    // a[:domain][/cidr4][//cidr6], the same for mx. The lengths are taken from the end: a domain-spec may hold '/' and
    // ':' itself (a:foo:bar/baz.example.com is that domain, RFC 7208 5.3's grammar).
    private static SpfTerm? ParseAddressMechanism(SpfTermKind kind, char qualifier, string rest)
    {
        var cidr = CidrStart(rest);
        string? domain = null;
        if (rest.StartsWith(':'))
        {
            domain = rest[1..cidr];
            if (!SpfMacro.IsValidDomainSpec(domain))
                return null;
        }
        else if (cidr != 0)
        {
            return null;
        }

        rest = rest[cidr..];
        int prefix4 = 32, prefix6 = 128;
        var dual = rest.IndexOf("//", StringComparison.Ordinal);
        var v4 = dual < 0 ? rest : rest[..dual];
        if (v4.Length > 0 && (!v4.StartsWith('/') || !TryPrefix(v4[1..], 32, out prefix4)))
            return null;
        if (dual >= 0 && !TryPrefix(rest[(dual + 2)..], 128, out prefix6))
            return null;
        return new SpfTerm(kind, qualifier, domain, null, prefix4, prefix6);
    }

    // Where a trailing dual-cidr-length ("/24", "//64", "/24//64") starts in text, or its length when there is none.
    private static int CidrStart(string text)
    {
        var end = TrailingLength(text, text.Length, "//");
        return TrailingLength(text, end, "/");
    }

    private static int TrailingLength(string text, int end, string slash)
    {
        var digits = end;
        while (digits > 0 && char.IsAsciiDigit(text[digits - 1]))
            digits--;
        var start = digits - slash.Length;
        if (digits == end || start < 0 || string.CompareOrdinal(text, start, slash, 0, slash.Length) != 0)
            return end;
        // "/" right after another "/" is the end of "//", not an IPv4 length.
        return slash == "/" && start > 0 && text[start - 1] == '/' ? end : start;
    }

    private static SpfTerm? ParseNetwork(SpfTermKind kind, char qualifier, string rest, AddressFamily family, int max)
    {
        if (!rest.StartsWith(':'))
            return null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var text = slash < 0 ? rest[1..] : rest[1..slash];
        var prefix = max;
        if (slash >= 0 && !TryPrefix(rest[(slash + 1)..], max, out prefix))
            return null;
        if (!IPAddress.TryParse(text, out var network) || network.AddressFamily != family || (family == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            return null;
        return kind == SpfTermKind.Ip4 ? new SpfTerm(kind, qualifier, null, network, prefix, 128) : new SpfTerm(kind, qualifier, null, network, 32, prefix);
    }

    // RFC 7208: cidr lengths are decimal without leading zeros.
    private static bool TryPrefix(string text, int max, out int prefix) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out prefix) && prefix <= max && (text == "0" || text[0] != '0');
}
