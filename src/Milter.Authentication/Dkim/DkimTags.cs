namespace Milter.Authentication;

/// <summary>The tag=value lists of DKIM-Signature, ARC and key records (RFC 6376 3.2), folding whitespace removed.</summary>
internal static class DkimTags
{
    /// <summary>The tags of <paramref name="text"/>, or null when it is not a tag list (a tag twice, a tag without '=').</summary>
    public static Dictionary<string, string>? Parse(string text)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in text.Split(';'))
        {
            if (string.IsNullOrWhiteSpace(item))
                continue;
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                return null;
            var name = item[..equals].Trim();
            if (name.Length == 0 || !tags.TryAdd(name, WithoutWhitespace(item[(equals + 1)..])))
                return null;
        }

        return tags;
    }

    private static string WithoutWhitespace(string value) =>
        string.Concat(value.Where(c => c is not (' ' or '\t' or '\r' or '\n')));
}
