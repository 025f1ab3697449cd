namespace Milter.Authentication;

/// <summary>Checks on domain names before they are asked for: a name no server can hold is not sent.</summary>
internal static class DnsNames
{
    /// <summary>Why <paramref name="name"/> cannot be a DNS name (RFC 1035 2.3.4 lengths), or null when it can.</summary>
    public static string? Problem(string name)
    {
        var trimmed = name.TrimEnd('.');
        if (trimmed.Length == 0)
            return "empty name";
        if (trimmed.Length > 253)
            return "name longer than 253 characters";
        foreach (var label in trimmed.Split('.'))
        {
            if (label.Length == 0)
                return $"empty label in \"{name}\"";
            if (label.Length > 63)
                return $"label longer than 63 characters in \"{name}\"";
            foreach (var c in label)
            {
                if (c <= ' ' || c >= 0x7F)
                    return $"a character no DNS name holds in \"{name}\"";
            }
        }

        return null;
    }
}
