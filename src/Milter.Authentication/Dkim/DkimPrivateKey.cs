using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;

namespace Milter.Authentication;

/// <summary>Reads DKIM private keys in the forms OpenDKIM and openssl write them.</summary>
internal static class DkimPrivateKey
{
    /// <summary>
    /// Reads a key: PEM (<c>RSA PRIVATE KEY</c> from opendkim-genkey, <c>PRIVATE KEY</c> PKCS#8 for RSA or Ed25519 from
    /// openssl genpkey), or base64 without armour (an Ed25519 seed of 32 bytes, or PKCS#8 DER).
    /// </summary>
    public static AsymmetricKeyParameter Parse(string text, string source)
    {
        try
        {
            var key = text.Contains("-----BEGIN", StringComparison.Ordinal) ? FromPem(text) : FromBase64(text.Trim());
            if (!key.IsPrivate || key is not (RsaPrivateCrtKeyParameters or Ed25519PrivateKeyParameters))
                throw new FormatException("not an RSA or Ed25519 private key");
            return key;
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException or InvalidCastException or PemException or SecurityUtilityException)
        {
            throw new FormatException($"{source}: not a DKIM private key ({e.Message})", e);
        }
    }

    private static AsymmetricKeyParameter FromPem(string text)
    {
        using var reader = new StringReader(text);
        return new PemReader(reader).ReadObject() switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter key => key,
            var other => throw new FormatException($"PEM holds {other?.GetType().Name ?? "nothing"}"),
        };
    }

    private static AsymmetricKeyParameter FromBase64(string text)
    {
        var bytes = Convert.FromBase64String(text);
        if (bytes.Length == Ed25519PrivateKeyParameters.KeySize)
            return new Ed25519PrivateKeyParameters(bytes);
        try
        {
            return PrivateKeyFactory.CreateKey(bytes);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException)
        {
            var rsa = RsaPrivateKeyStructure.GetInstance(bytes);
            return new RsaPrivateCrtKeyParameters(rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, rsa.Prime2, rsa.Exponent1, rsa.Exponent2, rsa.Coefficient);
        }
    }
}
