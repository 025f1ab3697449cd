using MimeKit;
using MimeKit.Cryptography;

namespace Milter.Authentication;

/// <summary>
/// The local policy RFC 8617 7.2.1 allows: a DMARC failure (a mailing list changed the message, a forwarder broke SPF)
/// is overridden when the message's ARC chain passes and a sealer the receiver trusts recorded, in its
/// ARC-Authentication-Results, that DMARC passed when the message reached it.
/// </summary>
internal static class ArcOverride
{
    /// <summary>The first trusted sealer (an ARC-Seal's d=, in A-labels) whose set says dmarc=pass, or null.</summary>
    public static string? TrustedSealer(MimeMessage message, IReadOnlySet<string> trusted)
    {
        var sealers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in message.Headers)
        {
            if (header.Id == HeaderId.ArcSeal && DkimTags.Parse(header.Value) is { } tags && tags.TryGetValue("i", out var instance)
                && DomainName.ToAscii(tags.GetValueOrDefault("d")) is { } domain && trusted.Contains(domain))
                sealers.TryAdd(instance, domain);
        }

        foreach (var header in message.Headers)
        {
            if (header.Id == HeaderId.ArcAuthenticationResults && AuthenticationResults.TryParse(header.RawValue, out var results)
                && results.Instance is { } instance && sealers.TryGetValue(instance.ToString(System.Globalization.CultureInfo.InvariantCulture), out var sealer)
                && results.Results.Any(r => r.Method.Equals("dmarc", StringComparison.OrdinalIgnoreCase) && r.Result.Equals("pass", StringComparison.OrdinalIgnoreCase)))
                return sealer;
        }

        return null;
    }
}
