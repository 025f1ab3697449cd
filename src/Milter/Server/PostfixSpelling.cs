using System.Globalization;

namespace Milter.Server;

/// <summary>
/// Postfix writes a milter's TCP address <c>inet:HOST:PORT</c>; Sendmail and milters write <c>inet:PORT@HOST</c>. The
/// two are easy to mix up when copying from main.cf, so an address in Postfix's form is answered with its milter form.
/// </summary>
internal static class PostfixSpelling
{
    /// <summary>
    /// For what stands where the port should be: the same address in milter form, when it reads as Postfix's
    /// <c>HOST:PORT</c>; a reminder of the order when it holds a host but no port; otherwise nothing.
    /// </summary>
    public static string Hint(string rest)
    {
        var colon = rest.LastIndexOf(':');
        if (colon > 0 && int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
        {
            var host = rest[..colon].Trim('[', ']');
            var scheme = host.Contains(':', StringComparison.Ordinal) ? "inet6" : "inet";
            return $" (that is Postfix's spelling, inet:HOST:PORT; a milter listens on {scheme}:{port}@{host})";
        }

        return rest.Contains('.', StringComparison.Ordinal) || rest.Contains(':', StringComparison.Ordinal)
            ? " (milters write the port first: inet:8890@127.0.0.1, not Postfix's inet:127.0.0.1:8890)"
            : string.Empty;
    }
}
