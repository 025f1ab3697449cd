using System.Globalization;
using MimeKit;
using MimeKit.Cryptography;

namespace Milter.Authentication;

/// <summary>
/// Checks every DKIM-Signature of a message (MimeKit's <see cref="DkimVerifier"/>, keys from DNS), each to its own
/// RFC 6376 result. Malformed signatures, missing or revoked keys and DNS failures are results, never exceptions.
/// </summary>
public sealed class DkimVerification
{
    private static readonly FormatOptions WireFormat = Formats.Wire;
    private static readonly string[] RequiredTags = ["v", "a", "b", "bh", "d", "h", "s"];
    private readonly DkimVerifierOptions _options;

    /// <summary>Creates a verifier with <paramref name="options"/> (defaults when null).</summary>
    public DkimVerification(DkimVerifierOptions? options = null) => _options = options ?? new DkimVerifierOptions();

    /// <summary>The result of each DKIM-Signature of <paramref name="message"/>, top to bottom; empty when it has none.</summary>
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(MimeMessage message, IDnsResolver dns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(dns);
        var verifier = new DkimVerifier(new DnsKeyLocator(dns, _options.MaxKeyRecordLength));
        verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        if (_options.AllowRsaSha1)
            verifier.Enable(DkimSignatureAlgorithm.RsaSha1);
        var results = new List<DkimSignatureResult>();
        foreach (var header in message.Headers)
        {
            if (header.Id != HeaderId.DkimSignature)
                continue;
            results.Add(results.Count < _options.MaxSignatures
                ? await VerifyOneAsync(verifier, message, header, cancellationToken).ConfigureAwait(false)
                : Describe(header.Value, AuthResult.Neutral, "too many signatures"));
        }

        return results;
    }

    private async Task<DkimSignatureResult> VerifyOneAsync(DkimVerifier verifier, MimeMessage message, Header header, CancellationToken cancellationToken)
    {
        if (Refusal(header.Value) is { } refusal)
            return Describe(header.Value, refusal.Result, refusal.Reason);
        try
        {
            return await verifier.VerifyAsync(WireFormat, message, header, cancellationToken).ConfigureAwait(false)
                ? Describe(header.Value, AuthResult.Pass, null)
                : Describe(header.Value, AuthResult.Fail, "signature verification failed");
        }
        catch (DkimKeyException e)
        {
            return Describe(header.Value, e.Result, e.Message);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or InvalidCastException)
        {
            return Describe(header.Value, AuthResult.Neutral, $"malformed signature: {e.Message}");
        }
    }

    // RFC 8601 2.7.1: a signature with syntax errors is neutral; one that is well formed but can never verify here
    // (an algorithm refused, From not signed, expired) is permerror.
    private (AuthResult Result, string Reason)? Refusal(string value)
    {
        var tags = DkimTags.Parse(value);
        if (tags is null)
            return (AuthResult.Neutral, "malformed signature: not a tag list");
        if (RequiredTags.FirstOrDefault(tag => string.IsNullOrEmpty(tags.GetValueOrDefault(tag))) is { } missing)
            return (AuthResult.Neutral, $"malformed signature: no {missing}=");
        if (tags["v"] != "1")
            return (AuthResult.Neutral, $"malformed signature: version {tags["v"]}");
        if (tags.TryGetValue("x", out var x) && !long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return (AuthResult.Neutral, "malformed signature: expiry (x=) is not a number");
        var algorithm = tags["a"].ToLowerInvariant();
        if (algorithm == "rsa-sha1" && !_options.AllowRsaSha1)
            return (AuthResult.PermError, "rsa-sha1 is not accepted (RFC 8301)");
        if (algorithm is not ("rsa-sha256" or "ed25519-sha256" or "rsa-sha1"))
            return (AuthResult.PermError, $"unsupported algorithm {tags["a"]}");
        if (!tags["h"].Split(':').Any(h => h.Equals("from", StringComparison.OrdinalIgnoreCase)))
            return (AuthResult.PermError, "From is not signed");
        if (x is not null && long.Parse(x, CultureInfo.InvariantCulture) < _options.Time.GetUtcNow().ToUnixTimeSeconds())
            return (AuthResult.PermError, "signature expired");
        return null;
    }

    // d= and the domain of i= in A-labels (RFC 8616 lets a signer write U-labels), so DMARC compares one spelling.
    private static DkimSignatureResult Describe(string value, AuthResult result, string? reason)
    {
        var tags = DkimTags.Parse(value);
        var domain = tags?.GetValueOrDefault("d");
        var identity = tags?.GetValueOrDefault("i");
        if (identity is not null && identity.LastIndexOf('@') is var at and >= 0 && DomainName.ToAscii(identity[(at + 1)..]) is { } identityDomain)
            identity = $"{identity[..at]}@{identityDomain}";
        return new DkimSignatureResult(result, DomainName.ToAscii(domain) ?? domain, tags?.GetValueOrDefault("s"), tags?.GetValueOrDefault("a"),
            identity, tags?.GetValueOrDefault("b"), reason);
    }
}
