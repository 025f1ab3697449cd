using System.Globalization;
using System.Text;

namespace Milter.Authentication;

/// <summary>
/// Domain names in the one form every comparison, DNS question and header uses: A-labels in lower case, without the
/// final dot (IDNA 2008 with the UTS 46 mapping, by the platform's <see cref="IdnMapping"/>, which is ICU's UTS 46
/// non-transitional processing on Linux). U-labels (<see cref="ToUnicode"/>) are for people only: logs, comments.
/// </summary>
/// <remarks>
/// A process with <c>InvariantGlobalization</c> has no Unicode normalization, so a U-label there is only lower-cased
/// before it is encoded (full-width letters and other compatibility forms are not mapped); A-labels, which is what
/// mail without SMTPUTF8 carries, are the same in both modes.
/// </remarks>
public static class DomainName
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>
    /// <paramref name="name"/> (U-labels, A-labels or a mix, any case, with or without the final dot) in A-labels and
    /// lower case; null when it is no domain name: an empty label, a label over 63 octets or over 253 in all, a label
    /// that starts or ends with <c>-</c>, an <c>xn--</c> label that is not valid Punycode, or a character other than
    /// letters, digits, <c>-</c> and <c>_</c>.
    /// </summary>
    public static string? ToAscii(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return null;
        // UTS 46 also maps the ideographic and full-width full stops to '.'.
        var text = name.Trim().Replace('\u3002', '.').Replace('\uFF0E', '.').Replace('\uFF61', '.');
        if (text.EndsWith('.'))
            text = text[..^1];
        if (text.Length == 0)
            return null;
        // Most names are plain ASCII without A-labels: nothing for IDNA to map or check but case.
        if (Ascii.IsValid(text) && !text.Contains("xn--", StringComparison.OrdinalIgnoreCase))
        {
            var lower = text.ToLowerInvariant();
            return IsHostName(lower) ? lower : null;
        }
        string ascii;
        try
        {
            ascii = Idn.GetAscii(text.ToLowerInvariant()).ToLowerInvariant();
            // GetAscii takes an ASCII "xn--" label as it is; decoding it checks that it is Punycode of a valid U-label.
            if (ascii.Contains("xn--", StringComparison.Ordinal))
                Idn.GetUnicode(ascii);
        }
        catch (ArgumentException)
        {
            return null;
        }

        return IsHostName(ascii) ? ascii : null;
    }

    /// <summary>
    /// <paramref name="name"/> as ASCII for DNS when it can be (<see cref="ToAscii"/>); otherwise unchanged, for the
    /// names SPF macros build (a local part may hold any printable character): DNS then says no such name.
    /// </summary>
    internal static string ForLookup(string name) => name.Any(c => c > '~') ? ToAscii(name) ?? name : name;

    /// <summary>
    /// <paramref name="name"/> with its A-labels shown as U-labels, for people to read; a name that is not valid IDNA
    /// is returned as it is.
    /// </summary>
    public static string ToUnicode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            return Idn.GetUnicode(name);
        }
        catch (ArgumentException)
        {
            return name;
        }
    }

    /// <summary>Whether two names are one domain, whatever their spelling (A- or U-labels, case, final dot).</summary>
    public static bool AreSame(string? a, string? b) => ToAscii(a) is { } x && x == ToAscii(b);

    private static bool IsHostName(string ascii)
    {
        if (ascii.Length > 253)
            return false;
        foreach (var label in ascii.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
                    return false;
            }
        }

        return true;
    }
}
