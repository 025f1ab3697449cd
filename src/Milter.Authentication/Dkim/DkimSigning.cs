using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Milter.Authentication;

/// <summary>Signs messages with DKIM (MimeKit's <see cref="DkimSigner"/>), one signature per key.</summary>
public sealed class DkimSigning
{
    private readonly DkimSigningOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates a signer with <paramref name="options"/> (defaults when null).</summary>
    public DkimSigning(DkimSigningOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new DkimSigningOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The DKIM-Signature fields for <paramref name="message"/>, one per key, in the order given; the message itself is
    /// left as it was. Each field's raw value is exactly what was signed: send it unchanged (see
    /// <see cref="AuthenticationHeaders.InsertAtTop"/>), or a simple-canonicalized signature breaks.
    /// </summary>
    public IReadOnlyList<Header> Sign(MimeMessage message, IEnumerable<DkimSigningKey> keys)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(keys);
        var headers = _options.SignedHeaders.Where(name => message.Headers.Contains(name)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (!headers.Contains("From", StringComparer.OrdinalIgnoreCase))
            throw new InvalidOperationException("A message without From cannot be signed with DKIM (RFC 6376 5.4).");
        var signatures = new List<Header>();
        foreach (var key in keys)
        {
            var signer = new TimedSigner(key, _time)
            {
                HeaderCanonicalizationAlgorithm = _options.HeaderCanonicalization,
                BodyCanonicalizationAlgorithm = _options.BodyCanonicalization,
            };
            signer.Sign(Formats.Wire, message, headers);
            // MimeKit puts the signature on top; the caller decides where it goes, and the next key must not sign it.
            signatures.Add(message.Headers[0]);
            message.Headers.RemoveAt(0);
        }

        return signatures;
    }

    private sealed class TimedSigner(DkimSigningKey key, TimeProvider time) : DkimSigner(key.PrivateKey, key.Domain, key.Selector, key.Algorithm)
    {
        protected override long GetTimestamp() => time.GetUtcNow().ToUnixTimeSeconds();

        protected override ISigner CreateSigningContext() => key.CreateSigningContext() ?? base.CreateSigningContext();
    }
}
