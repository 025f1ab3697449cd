using MimeKit;
using MimeKit.Cryptography;

namespace Milter.Authentication;

/// <summary>Validates a message's ARC chain (MimeKit's <see cref="ArcVerifier"/>, keys from DNS).</summary>
public sealed class ArcVerification
{
    private readonly int _maxKeyRecordLength;

    /// <summary>Creates a validator; key records over <paramref name="maxKeyRecordLength"/> characters are refused.</summary>
    public ArcVerification(int maxKeyRecordLength = 4096) => _maxKeyRecordLength = maxKeyRecordLength;

    /// <summary>The chain's result: none without ARC headers, pass or fail, temperror when DNS failed.</summary>
    public async Task<ArcResult> VerifyAsync(MimeMessage message, IDnsResolver dns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(dns);
        var instances = message.Headers.Count(h => h.Id == HeaderId.ArcSeal);
        if (instances == 0 && !message.Headers.Any(h => h.Id is HeaderId.ArcMessageSignature or HeaderId.ArcAuthenticationResults))
            return new ArcResult(AuthResult.None, 0, null);
        if (SignsArcSeal(message) is { } instance)
            return new ArcResult(AuthResult.Fail, instances, $"ARC-Message-Signature i={instance} signs ARC-Seal (RFC 8617 4.1.2)");
        var locator = new DnsKeyLocator(dns, _maxKeyRecordLength);
        var verifier = new ArcVerifier(locator);
        verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        try
        {
            var validation = await verifier.VerifyAsync(Formats.Wire, message, cancellationToken).ConfigureAwait(false);
            return validation.Chain switch
            {
                ArcSignatureValidationResult.Pass => new ArcResult(AuthResult.Pass, instances, null),
                // ARC fields without a set MimeKit can read are a broken chain, not an absent one.
                ArcSignatureValidationResult.None => new ArcResult(AuthResult.Fail, instances, "no valid ARC set"),
                // MimeKit reports a key it could not fetch as a failed chain; a DNS failure is only temporary.
                _ when locator.TemporaryFailure is { } failure => new ArcResult(AuthResult.TempError, instances, failure),
                _ => new ArcResult(AuthResult.Fail, instances, validation.ChainErrors == ArcValidationErrors.None ? "chain did not validate" : validation.ChainErrors.ToString()),
            };
        }
        catch (DkimKeyException e)
        {
            return new ArcResult(e.Result == AuthResult.TempError ? AuthResult.TempError : AuthResult.Fail, instances, e.Message);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or InvalidCastException)
        {
            return new ArcResult(AuthResult.Fail, instances, $"malformed ARC set: {e.Message}");
        }
    }

    // An AMS must not sign any ARC-Seal (RFC 8617 4.1.2: the seals sign the AMS, not the other way round); MimeKit
    // verifies such a signature like any other, so the set is refused here. The instance of the first, or null.
    private static string? SignsArcSeal(MimeMessage message)
    {
        foreach (var header in message.Headers)
        {
            if (header.Id == HeaderId.ArcMessageSignature && DkimTags.Parse(header.Value) is { } tags && tags.TryGetValue("h", out var signed)
                && signed.Split(':').Any(name => name.Equals("arc-seal", StringComparison.OrdinalIgnoreCase)))
                return tags.GetValueOrDefault("i") ?? "?";
        }

        return null;
    }
}
