using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.Authentication;

/// <summary>SPF macros (RFC 7208 7): syntax checks and expansion.</summary>
internal static class SpfMacro
{
    private const string Letters = "slodiphcrtv";
    private const string Delimiters = ".-+,/_=";

    /// <summary>Whether <paramref name="text"/> is a macro-string: literals and well-formed %{...}, %%, %_, %-.</summary>
    public static bool IsValidMacroString(string text) => Scan(text, explanation: true, (_, _) => { });

    /// <summary>
    /// Whether <paramref name="text"/> is a domain-spec: a macro-string (without the letters only explanations may use)
    /// that ends in a macro or in a top label that is not all digits.
    /// </summary>
    public static bool IsValidDomainSpec(string text)
    {
        if (text.Length == 0 || !Scan(text, explanation: false, (_, _) => { }))
            return false;
        if (text.EndsWith('}'))
            return true;
        var trimmed = text.TrimEnd('.');
        var top = trimmed[(trimmed.LastIndexOf('.') + 1)..];
        return top.Length > 0 && top.Any(char.IsAsciiLetter) && top.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            && top[0] != '-' && top[^1] != '-' && trimmed.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>Expands the macros of <paramref name="text"/>; for a domain-spec the result is cut to 253 characters from the left.</summary>
    public static async ValueTask<string> ExpandAsync(string text, SpfContext context, bool explanation)
    {
        var parts = new List<(string Literal, string? Macro)>();
        Scan(text, explanation, (literal, macro) => parts.Add((literal, macro)));
        var result = new StringBuilder();
        foreach (var (literal, macro) in parts)
        {
            result.Append(literal);
            if (macro is not null)
                result.Append(await ExpandOneAsync(macro, context).ConfigureAwait(false));
        }

        return explanation ? result.ToString() : Truncate(result.ToString());
    }

    // Walks the text, calling back with each literal and each macro body (the text inside %{}).
    private static bool Scan(string text, bool explanation, Action<string, string?> emit)
    {
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                // Explanations are text: spaces allowed there (RFC 7208 6.2 explain-string).
                if ((c is < '!' or > '~') && !(explanation && c == ' '))
                    return false;
                literal.Append(c);
                continue;
            }

            if (++i >= text.Length)
                return false;
            switch (text[i])
            {
                case '%': literal.Append('%'); break;
                case '_': literal.Append(' '); break;
                case '-': literal.Append("%20"); break;
                case '{':
                    var end = text.IndexOf('}', i);
                    if (end < 0 || !IsValidMacro(text[(i + 1)..end], explanation))
                        return false;
                    emit(literal.ToString(), text[(i + 1)..end]);
                    literal.Clear();
                    i = end;
                    break;
                default: return false;
            }
        }

        emit(literal.ToString(), null);
        return true;
    }

    private static bool IsValidMacro(string body, bool explanation)
    {
        if (body.Length == 0)
            return false;
        var letter = char.ToLowerInvariant(body[0]);
        if (!Letters.Contains(letter, StringComparison.Ordinal) || (!explanation && letter is 'c' or 'r' or 't'))
            return false;
        var i = 1;
        while (i < body.Length && char.IsAsciiDigit(body[i]))
            i++;
        if (i > 1 && (body[1] == '0' || !int.TryParse(body.AsSpan(1, i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return false;
        if (i < body.Length && body[i] is 'r' or 'R')
            i++;
        return body[i..].All(c => Delimiters.Contains(c, StringComparison.Ordinal));
    }

    private static async ValueTask<string> ExpandOneAsync(string body, SpfContext context)
    {
        var letter = char.ToLowerInvariant(body[0]);
        var value = letter switch
        {
            's' => context.Sender,
            'l' => context.LocalPart,
            'o' => context.SenderDomain,
            'd' => context.Domain,
            'i' => DottedAddress(context.Address),
            'p' => await context.ValidatedNameAsync().ConfigureAwait(false),
            'v' => context.Address.AddressFamily == AddressFamily.InterNetwork ? "in-addr" : "ip6",
            'h' => context.Helo,
            'c' => context.Address.ToString(),
            'r' => context.ReceivingHost,
            _ => context.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        };

        var i = 1;
        while (i < body.Length && char.IsAsciiDigit(body[i]))
            i++;
        var keep = i > 1 ? int.Parse(body.AsSpan(1, i - 1), CultureInfo.InvariantCulture) : int.MaxValue;
        var reverse = i < body.Length && body[i] is 'r' or 'R';
        var delimiters = body[(reverse ? i + 1 : i)..];
        var pieces = value.Split(delimiters.Length == 0 ? ['.'] : delimiters.ToCharArray());
        if (reverse)
            Array.Reverse(pieces);
        var expanded = string.Join('.', pieces.Skip(Math.Max(0, pieces.Length - keep)));
        // An upper-case letter asks for the value URL-encoded (RFC 7208 7.3).
        return char.IsAsciiLetterUpper(body[0]) ? Uri.EscapeDataString(expanded) : expanded;
    }

    private static string DottedAddress(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return address.ToString();
        // Upper-case nibbles, as RFC 4408 8.2's example, pyspf and the RFC 7208 suite write them (RFC 7208 7.4's example
        // is in lower case; as a DNS name either is the same, only an explanation shows which).
        var hex = Convert.ToHexString(address.GetAddressBytes());
        return string.Join('.', hex.ToCharArray());
    }

    private static string Truncate(string domain)
    {
        while (domain.Length > 253 && domain.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0)
            domain = domain[(dot + 1)..];
        return domain;
    }
}
