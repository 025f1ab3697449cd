using MimeKit;
using MimeKit.Text;

namespace Milter.Mime;

/// <summary>
/// Removes scripts from the HTML parts of a message: script elements with their content, event-handler
/// attributes (<c>onclick</c>, <c>onload</c>…), and <c>javascript:</c>/<c>vbscript:</c> links. Everything else is
/// written back as it was, and parts without scripts are left untouched (so their bytes, and the body, do not change).
/// </summary>
public static class HtmlScripts
{
    private static readonly HashSet<string> LinkAttributes = new(StringComparer.OrdinalIgnoreCase)
    {
        "href", "src", "action", "formaction", "background", "lowsrc", "dynsrc", "xlink:href", "data",
    };

    /// <summary>Cleans every text/html part of the message; returns how many parts changed.</summary>
    public static int Remove(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var changed = 0;
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (!part.IsHtml)
                continue;
            var html = part.Text;
            var clean = Clean(html);
            if (clean == html)
                continue;
            var encoding = part.ContentTransferEncoding;
            part.SetText(part.ContentType.Charset ?? "utf-8", clean);
            // Keep an encoding that survives 7-bit transport when the part had one.
            part.ContentTransferEncoding = encoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable
                ? encoding
                : part.GetBestEncoding(EncodingConstraint.SevenBit);
            changed++;
        }

        return changed;
    }

    /// <summary>Returns <paramref name="html"/> without scripts, or the same string when it has none.</summary>
    public static string Clean(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        using var output = new StringWriter();
        using (var writer = new HtmlWriter(output))
        {
            var tokenizer = new HtmlTokenizer(new StringReader(html));
            var inScript = false;
            var changed = false;
            while (tokenizer.ReadNextToken(out var token))
            {
                if (token is HtmlTagToken tag && tag.Id is HtmlTagId.Script)
                {
                    inScript = !tag.IsEndTag && !tag.IsEmptyElement;
                    changed = true;
                    continue;
                }

                if (inScript || token.Kind == HtmlTokenKind.ScriptData)
                {
                    changed = true;
                    continue;
                }

                if (token is HtmlTagToken element && !element.IsEndTag && IsDangerous(element))
                {
                    changed = true;
                    WriteSafe(writer, element);
                    continue;
                }

                writer.WriteToken(token);
            }

            if (!changed)
                return html;
        }

        return output.ToString();
    }

    private static bool IsDangerous(HtmlTagToken tag) => tag.Attributes.Any(IsDangerous);

    private static bool IsDangerous(HtmlAttribute attribute) =>
        attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)
        || (LinkAttributes.Contains(attribute.Name) && attribute.Value is { } value && IsScriptUrl(value));

    private static bool IsScriptUrl(string url)
    {
        // Browsers ignore leading blanks and control characters, and tabs or newlines inside the scheme.
        var scheme = new string(url.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).Take(11).ToArray());
        return scheme.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase)
            || scheme.StartsWith("vbscript:", StringComparison.OrdinalIgnoreCase);
    }

    private static void WriteSafe(HtmlWriter writer, HtmlTagToken tag)
    {
        if (tag.IsEmptyElement)
            writer.WriteEmptyElementTag(tag.Name);
        else
            writer.WriteStartTag(tag.Name);
        foreach (var attribute in tag.Attributes.Where(a => !IsDangerous(a)))
            writer.WriteAttribute(attribute);
    }
}
