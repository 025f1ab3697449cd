using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Milter.Authentication;

/// <summary>
/// Adds an ARC set (RFC 8617) with MimeKit's <see cref="ArcSigner"/>: ARC-Authentication-Results from this host's
/// results, ARC-Message-Signature, and ARC-Seal with cv= from the arc= result. A message whose chain already failed is
/// not sealed. Seals are rsa-sha256, the one algorithm RFC 8617 names: receivers such as dkimpy refuse an ed25519-sha256
/// seal, so an Ed25519 key is taken only when <c>allowEd25519</c> says so.
/// </summary>
public sealed class ArcSealing
{
    private readonly DkimSigningKey _key;
    private readonly DkimSigningOptions _options;
    private readonly TimeProvider _time;

    /// <summary>
    /// Seals with <paramref name="key"/>, signing the headers and canonicalization of <paramref name="options"/>. An
    /// Ed25519 key is refused unless <paramref name="allowEd25519"/> (for receivers known to validate RFC 8463 seals).
    /// </summary>
    /// <exception cref="ArgumentException">An Ed25519 key without <paramref name="allowEd25519"/>.</exception>
    public ArcSealing(DkimSigningKey key, DkimSigningOptions? options = null, TimeProvider? time = null, bool allowEd25519 = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Algorithm != DkimSignatureAlgorithm.RsaSha256 && !allowEd25519)
            throw new ArgumentException($"ARC seals are rsa-sha256 (RFC 8617); the key for {key.Selector}._domainkey.{key.Domain} is {key.Algorithm}. Pass allowEd25519: true to seal with it anyway.", nameof(key));
        _key = key;
        _options = options ?? new DkimSigningOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The three ARC fields for <paramref name="message"/>, top first (ARC-Seal, ARC-Message-Signature,
    /// ARC-Authentication-Results), or none when the chain has failed; the message is left as it was.
    /// <paramref name="report"/> is this host's report (its arc= result gives cv=), written under <paramref name="authservId"/>.
    /// </summary>
    public async Task<IReadOnlyList<Header>> SealAsync(MimeMessage message, AuthenticationReport report, string authservId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(report);
        // A fresh copy: MimeKit numbers it (i=) for the ARC set.
        var results = report.ToAuthenticationResults(authservId);
        var headers = _options.SignedHeaders.Where(name => message.Headers.Contains(name)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var before = message.Headers.Count;
        var signer = new Signer(_key, results, _time)
        {
            HeaderCanonicalizationAlgorithm = _options.HeaderCanonicalization,
            BodyCanonicalizationAlgorithm = _options.BodyCanonicalization,
        };
        await signer.SignAsync(Formats.Wire, message, headers, cancellationToken).ConfigureAwait(false);
        var added = message.Headers.Count - before;
        var set = message.Headers.Take(added).ToList();
        for (var i = 0; i < added; i++)
            message.Headers.RemoveAt(0);
        return set;
    }

    private sealed class Signer(DkimSigningKey key, AuthenticationResults results, TimeProvider time)
        : ArcSigner(key.PrivateKey, key.Domain, key.Selector, key.Algorithm)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => results;

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(results);

        protected override long GetTimestamp() => time.GetUtcNow().ToUnixTimeSeconds();

        protected override ISigner CreateSigningContext() => key.CreateSigningContext() ?? base.CreateSigningContext();
    }
}
