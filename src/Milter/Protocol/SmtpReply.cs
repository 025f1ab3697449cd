using System.Globalization;
using System.Text;

namespace Milter.Protocol;

/// <summary>
/// A custom SMTP reply a milter sends with REPLYCODE: a 4xx or 5xx code, an optional enhanced status code
/// (RFC 3463) whose class matches, and 1 to 32 lines of text. Built only through <see cref="Create"/>,
/// which enforces the rules both MTAs and libmilter apply, so an invalid reply never reaches the wire.
/// </summary>
/// <remarks>
/// Text is given as the client should read it: a <c>%</c> is escaped to <c>%%</c> on the wire (Sendmail
/// uses the text as a printf format; Postfix turns <c>%%</c> back into <c>%</c>).
/// </remarks>
public sealed class SmtpReply : IEquatable<SmtpReply>
{
    /// <summary>The most lines a reply may have (libmilter's MAXREPLIES).</summary>
    public const int MaxLines = 32;

    /// <summary>The most bytes one line's text may take on the wire, after <c>%</c> escaping (libmilter's MAXREPLYLEN).</summary>
    public const int MaxLineLength = 980;

    private readonly string[] _lines;
    private readonly string _wireText;

    private SmtpReply(int code, string? extendedCode, string[] lines)
    {
        Code = code;
        ExtendedCode = extendedCode;
        _lines = lines;
        _wireText = BuildWireText();
    }

    /// <summary>The three-digit SMTP code, 400–599.</summary>
    public int Code { get; }

    /// <summary>The enhanced status code such as <c>5.7.1</c>, or <see langword="null"/>.</summary>
    public string? ExtendedCode { get; }

    /// <summary>The lines of text as the client will read them (unescaped).</summary>
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>Whether this is a permanent failure (5xx); otherwise temporary (4xx).</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>Creates a validated reply.</summary>
    /// <param name="code">A three-digit code whose first digit is 4 or 5.</param>
    /// <param name="extendedCode">An enhanced status code <c>c.s.d</c> whose class <c>c</c> equals the code's first digit, or <see langword="null"/>.</param>
    /// <param name="lines">1 to 32 lines, without CR, LF or NUL, each at most 980 bytes on the wire.</param>
    /// <exception cref="ArgumentException">A rule is broken; the message names it.</exception>
    public static SmtpReply Create(int code, string? extendedCode, params string[] lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (code is < 400 or > 599 || code % 100 / 10 > 5)
        {
            throw new ArgumentException(
                $"SMTP reply code {code} is not allowed: a milter reply must be 4xx or 5xx (second digit 0-5).", nameof(code));
        }

        if (extendedCode is not null)
            ValidateExtendedCode(code, extendedCode);
        if (lines.Length is 0 or > MaxLines)
            throw new ArgumentException($"An SMTP reply needs 1 to {MaxLines} lines; got {lines.Length}.", nameof(lines));

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i] ?? throw new ArgumentException($"Line {i + 1} of the SMTP reply is null.", nameof(lines));
            if (line.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
                throw new ArgumentException($"Line {i + 1} of the SMTP reply contains CR, LF or NUL; give each line separately.", nameof(lines));
            var length = EscapedByteCount(line);
            if (length > MaxLineLength)
            {
                throw new ArgumentException(
                    $"Line {i + 1} of the SMTP reply is {length} bytes on the wire (after % escaping); the limit is {MaxLineLength}.", nameof(lines));
            }
        }

        return new SmtpReply(code, extendedCode, (string[])lines.Clone());
    }

    /// <summary>The reply as REPLYCODE carries it: every line <c>code-ext text</c>, the last <c>code ext text</c>, joined by CRLF, <c>%</c> escaped.</summary>
    public string ToWireText() => _wireText;

    private string BuildWireText()
    {
        var text = new StringBuilder();
        for (var i = 0; i < _lines.Length; i++)
        {
            if (i > 0)
                text.Append("\r\n");
            text.Append(Code.ToString(CultureInfo.InvariantCulture));
            text.Append(i == _lines.Length - 1 ? ' ' : '-');
            if (ExtendedCode is not null)
                text.Append(ExtendedCode).Append(' ');
            text.Append(_lines[i].Replace("%", "%%", StringComparison.Ordinal));
        }

        return text.ToString();
    }

    /// <summary>
    /// Parses a REPLYCODE text as a milter sent it (the MTA side): lines joined by CRLF, each with the same code,
    /// an optional enhanced code, and <c>%%</c> escapes, which are undone.
    /// </summary>
    /// <exception cref="MilterProtocolException">The text is not a valid reply.</exception>
    public static SmtpReply ParseWireText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rawLines = text.Split("\r\n");
        int? code = null;
        string? extended = null;
        var lines = new string[rawLines.Length];
        for (var i = 0; i < rawLines.Length; i++)
        {
            var raw = rawLines[i];
            var last = i == rawLines.Length - 1;
            if (raw.Length < 4 || !int.TryParse(raw.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var lineCode)
                || raw[3] != (last ? ' ' : '-'))
            {
                throw new MilterProtocolException(
                    $"REPLYCODE: line {i + 1} \"{raw}\" must start with a 3-digit code and '{(last ? ' ' : '-')}'.");
            }

            if (code is not null && lineCode != code)
                throw new MilterProtocolException($"REPLYCODE: line {i + 1} has code {lineCode}; the first line has {code}.");
            code = lineCode;

            var rest = raw[4..];
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            var candidate = space < 0 ? rest : rest[..space];
            if (LooksLikeExtendedCode(candidate))
            {
                extended ??= candidate;
                rest = space < 0 ? string.Empty : rest[(space + 1)..];
            }

            lines[i] = Unescape(rest, i + 1);
        }

        try
        {
            return Create(code!.Value, extended, lines);
        }
        catch (ArgumentException e)
        {
            throw new MilterProtocolException($"REPLYCODE: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public bool Equals(SmtpReply? other) =>
        other is not null && Code == other.Code && ExtendedCode == other.ExtendedCode && _lines.AsSpan().SequenceEqual(other._lines);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SmtpReply);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Code, ExtendedCode, _lines.Length, _lines[0]);

    /// <summary>The reply as the client would see it, lines joined by CRLF, without escaping.</summary>
    public override string ToString() => ToWireText().Replace("%%", "%", StringComparison.Ordinal);

    private static void ValidateExtendedCode(int code, string extendedCode)
    {
        if (!LooksLikeExtendedCode(extendedCode))
        {
            throw new ArgumentException(
                $"Enhanced status code \"{extendedCode}\" is malformed: it must be class.subject.detail, e.g. 5.7.1 (class 4 or 5, then 1-3 digits, then 1-3 digits).",
                nameof(extendedCode));
        }

        if (extendedCode[0] - '0' != code / 100)
        {
            throw new ArgumentException(
                $"Enhanced status code {extendedCode} does not match reply code {code}: its class must be {code / 100}.", nameof(extendedCode));
        }
    }

    private static bool LooksLikeExtendedCode(ReadOnlySpan<char> value)
    {
        if (value.Length < 5 || value[0] is not ('4' or '5') || value[1] != '.')
            return false;
        var rest = value[2..];
        var dot = rest.IndexOf('.');
        return dot is >= 1 and <= 3 && IsDigits(rest[..dot]) && rest.Length - dot - 1 is >= 1 and <= 3 && IsDigits(rest[(dot + 1)..]);
    }

    private static bool IsDigits(ReadOnlySpan<char> value) => !value.IsEmpty && !value.ContainsAnyExceptInRange('0', '9');

    private static int EscapedByteCount(string line)
    {
        var bytes = Encoding.UTF8.GetByteCount(line);
        return bytes + line.AsSpan().Count('%');
    }

    private static string Unescape(string text, int line)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
            return text;
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%')
            {
                if (i + 1 >= text.Length || text[i + 1] != '%')
                    throw new MilterProtocolException($"REPLYCODE: line {line} has a lone '%'; a literal percent sign must be written %%.");
                i++;
            }

            result.Append(text[i]);
        }

        return result.ToString();
    }
}
