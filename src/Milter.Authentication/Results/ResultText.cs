using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Milter.Authentication;

/// <summary>
/// Values from outside (DNS text, header fields, envelope addresses) made fit for Authentication-Results before they
/// are written: one line of printable characters (RFC 5322 has no controls in a field; a NUL would end the header at
/// the MTA), ASCII unless the message is SMTPUTF8 (RFC 6532), and no longer than a header line allows. MimeKit then
/// writes each as a token or a quoted-string (RFC 8601 2.2, RFC 2045 5.1).
/// </summary>
internal static class ResultText
{
    /// <summary>The longest value written (200 characters): an SPF record of 4,000 characters must not make a 998-octet line.</summary>
    public const int MaxLength = 200;

    /// <summary>The character put for each one that cannot be written.</summary>
    public const char Replacement = '?';

    /// <summary>
    /// <paramref name="value"/> with every control character, the byte order mark and other invisible format characters,
    /// unpaired surrogates, and (unless <paramref name="utf8"/>) every non-ASCII character replaced by
    /// <see cref="Replacement"/>, cut to <see cref="MaxLength"/> with "..." at the end; null stays null.
    /// </summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Reduce(string? value, bool utf8)
    {
        if (value is null)
            return null;
        var text = new StringBuilder(Math.Min(value.Length, MaxLength + 3));
        for (var i = 0; i < value.Length && text.Length < MaxLength; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                // A character outside the BMP: two UTF-16 units, one character to keep or replace.
                i++;
                if (utf8)
                    text.Append(c).Append(value[i]);
                else
                    text.Append(Replacement);
                continue;
            }

            text.Append(Writable(c, utf8) ? c : Replacement);
        }

        if (text.Length >= MaxLength && value.Length > MaxLength)
            text.Append("...");
        return text.ToString();
    }

    /// <summary>
    /// A property value (RFC 8601 pvalue: a domain, an address, a tag's value) reduced as <see cref="Reduce"/> does, with
    /// spaces replaced too: MimeKit quotes a value with specials such as <c>@</c>, but writes one with only spaces or
    /// UTF-8 as a bare token, which no parser reads. UTF-8 is kept only in an address (with its <c>@</c>, so quoted): a
    /// domain is in A-labels already, and an SMTPUTF8 local part is the one value that may hold it.
    /// </summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? ReduceProperty(string? value, bool utf8) =>
        Reduce(value, utf8 && value!.Contains('@', StringComparison.Ordinal))?.Replace(' ', Replacement);

    private static bool Writable(char c, bool utf8) => c switch
    {
        >= ' ' and <= '~' => true,
        < ' ' or '\x7F' => false,
        _ when !utf8 => false,
        _ when char.IsSurrogate(c) => false,
        // C1 controls, the BOM and other format characters (zero-width, direction marks), line and paragraph separators.
        _ => char.GetUnicodeCategory(c) is not (System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
            or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
            or System.Globalization.UnicodeCategory.OtherNotAssigned),
    };
}
