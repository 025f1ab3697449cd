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
        var tags = DkimTags.Parse(header.Value);
        if (tags is null)
            return Describe(header.Value, AuthResult.PermError, "malformed signature");
        if (tags.GetValueOrDefault("v") != "1")
            return Describe(header.Value, AuthResult.PermError, "signature version is not 1");
        if (tags.TryGetValue("x", out var x))
        {
            if (!long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
                return Describe(header.Value, AuthResult.PermError, "malformed expiry (x=)");
            if (expires < _options.Time.GetUtcNow().ToUnixTimeSeconds())
                return Describe(header.Value, AuthResult.PermError, "signature expired");
        }

        if (tags.GetValueOrDefault("a") is { } a && a.Equals("rsa-sha1", StringComparison.OrdinalIgnoreCase) && !_options.AllowRsaSha1)
            return Describe(header.Value, AuthResult.PermError, "rsa-sha1 is not accepted (RFC 8301)");
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
            return Describe(header.Value, AuthResult.PermError, $"malformed signature: {e.Message}");
        }
    }

    private static DkimSignatureResult Describe(string value, AuthResult result, string? reason)
    {
        var tags = DkimTags.Parse(value);
        return new DkimSignatureResult(result, tags?.GetValueOrDefault("d"), tags?.GetValueOrDefault("s"), tags?.GetValueOrDefault("a"),
            tags?.GetValueOrDefault("i"), tags?.GetValueOrDefault("b"), reason);
    }
}
