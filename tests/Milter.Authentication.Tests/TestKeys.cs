using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Milter.Authentication.Tests;

/// <summary>Keys made once per test run, with the DNS records that publish them.</summary>
internal static class TestKeys
{
    public static readonly AsymmetricCipherKeyPair Rsa = Generate(rsa: true);
    public static readonly AsymmetricCipherKeyPair Ed25519 = Generate(rsa: false);

    public static DkimSigningKey RsaKey(string domain = "example.org", string selector = "rsa") => new(domain, selector, Rsa.Private);

    public static DkimSigningKey EdKey(string domain = "example.org", string selector = "ed") => new(domain, selector, Ed25519.Private);

    /// <summary>The TXT record that publishes a key pair's public half (RFC 6376 3.6.1, RFC 8463).</summary>
    public static string Record(AsymmetricCipherKeyPair pair) => pair.Public is Ed25519PublicKeyParameters ed
        ? $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(ed.GetEncoded())}"
        : $"v=DKIM1; k=rsa; p={Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded())}";

    /// <summary>DNS publishing both keys of example.org.</summary>
    public static FakeDns Dns() => new FakeDns().Txt("rsa._domainkey.example.org", Record(Rsa)).Txt("ed._domainkey.example.org", Record(Ed25519));

    public static string Pem(AsymmetricKeyParameter key)
    {
        using var text = new StringWriter();
        var writer = new PemWriter(text);
        writer.WriteObject(key);
        writer.Writer.Flush();
        return text.ToString();
    }

    private static AsymmetricCipherKeyPair Generate(bool rsa)
    {
        if (rsa)
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
            return generator.GenerateKeyPair();
        }

        var ed = new Ed25519KeyPairGenerator();
        ed.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return ed.GenerateKeyPair();
    }
}
