using System.Text;
using Milter.Protocol;

namespace Milter.Client;

/// <summary>
/// A message as the MTA holds it: header fields in order (raw values, exactly as after the colon, folding
/// included) and the body with CRLF line ends. Parsed from and written to RFC 5322 text; bytes that are not
/// UTF-8 survive through <see cref="WireText"/>.
/// </summary>
public sealed class MailMessage
{
    /// <summary>Creates a message from header fields and a body.</summary>
    public MailMessage(IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        Headers = headers.ToList();
        Body = body;
    }

    /// <summary>The header fields in order; each value is raw: it keeps the space after the colon and CRLF folding.</summary>
    public List<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The body, CRLF line ends.</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>The values of the headers with this name, unfolded, without the leading space.</summary>
    public IReadOnlyList<string> Values(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => Unfold(h.Value)).ToList();

    /// <summary>The first value of a header, unfolded, without the leading space; null when absent.</summary>
    public string? Header(string name) => Values(name).FirstOrDefault();

    /// <summary>Parses RFC 5322 text (LF or CRLF line ends; the header ends at the first empty line).</summary>
    public static MailMessage Parse(ReadOnlySpan<byte> message)
    {
        var text = WireText.Decode(message).Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text.TrimEnd('\n') : text[..split];
        var body = split < 0 ? string.Empty : text[(split + 2)..];
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in head.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            if ((line[0] == ' ' || line[0] == '\t') && headers.Count > 0)
            {
                headers[^1] = new(headers[^1].Key, headers[^1].Value + "\r\n" + line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new FormatException($"Not a header line: \"{line}\".");
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        return new MailMessage(headers, WireText.Encode(body.Replace("\n", "\r\n", StringComparison.Ordinal)));
    }

    /// <summary>Writes the message as RFC 5322 text with CRLF line ends.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Headers)
            text.Append(name).Append(':').Append(value).Append("\r\n");
        text.Append("\r\n");
        var head = WireText.Encode(text.ToString());
        return [.. head, .. Body.Span];
    }

    /// <summary>The text of the message (for diffs and display).</summary>
    public override string ToString() => WireText.Decode(ToBytes());

    internal static string Unfold(string raw)
    {
        var value = raw.Replace("\r\n", string.Empty, StringComparison.Ordinal);
        return value.StartsWith(' ') ? value[1..] : value;
    }
}
