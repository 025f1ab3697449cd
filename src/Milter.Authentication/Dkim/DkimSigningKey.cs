using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace Milter.Authentication;

/// <summary>A private key that signs for a domain under a selector; rsa-sha256 or ed25519-sha256 by the key's type.</summary>
public sealed class DkimSigningKey
{
    /// <summary>A key for <paramref name="domain"/> published under <paramref name="selector"/>.</summary>
    public DkimSigningKey(string domain, string selector, AsymmetricKeyParameter privateKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(selector);
        ArgumentNullException.ThrowIfNull(privateKey);
        Domain = DomainName.ToAscii(domain) ?? throw new ArgumentException($"\"{domain}\" is not a domain name.", nameof(domain));
        Selector = DomainName.ToAscii(selector) ?? throw new ArgumentException($"\"{selector}\" is not a selector (a domain name).", nameof(selector));
        PrivateKey = privateKey;
        Algorithm = privateKey switch
        {
            RsaPrivateCrtKeyParameters => DkimSignatureAlgorithm.RsaSha256,
            Ed25519PrivateKeyParameters => DkimSignatureAlgorithm.Ed25519Sha256,
            _ => throw new ArgumentException("Only RSA and Ed25519 private keys sign DKIM.", nameof(privateKey)),
        };
        _platformRsa = privateKey is RsaPrivateCrtKeyParameters rsa ? new Lazy<PlatformRsaKey>(() => new PlatformRsaKey(rsa)) : null;
    }

    private readonly Lazy<PlatformRsaKey>? _platformRsa;

    /// <summary>The signing domain (d=), in A-labels.</summary>
    public string Domain { get; }

    /// <summary>The selector (s=), in A-labels.</summary>
    public string Selector { get; }

    /// <summary>The private key.</summary>
    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>rsa-sha256 for an RSA key, ed25519-sha256 for an Ed25519 key.</summary>
    public DkimSignatureAlgorithm Algorithm { get; }

    /// <summary>The signing context for one signature: the platform's RSA for an RSA key, null (MimeKit's own) for Ed25519.</summary>
    internal ISigner? CreateSigningContext() => _platformRsa?.Value.CreateSigner();

    /// <summary>
    /// Reads the key at <paramref name="path"/>: PEM as opendkim-genkey or openssl write it, or an Ed25519 seed in base64.
    /// </summary>
    /// <exception cref="FormatException">The file holds no RSA or Ed25519 private key.</exception>
    public static DkimSigningKey Load(string domain, string selector, string path) =>
        new(domain, selector, DkimPrivateKey.Parse(File.ReadAllText(path), path));

    /// <summary>Reads a key from its text (see <see cref="Load"/>).</summary>
    public static DkimSigningKey Parse(string domain, string selector, string text) =>
        new(domain, selector, DkimPrivateKey.Parse(text, $"the key for {selector}._domainkey.{domain}"));
}
