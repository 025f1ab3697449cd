using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;

namespace Milter.Authentication.Tests;

public sealed class DkimKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Keys_load_in_the_forms_opendkim_and_openssl_write()
    {
        var pkcs1 = TestKeys.Pem(TestKeys.Rsa.Private);
        var pkcs8Ed = "-----BEGIN PRIVATE KEY-----\n" + Convert.ToBase64String(PrivateKeyInfoFactory.CreatePrivateKeyInfo(TestKeys.Ed25519.Private).GetDerEncoded()) + "\n-----END PRIVATE KEY-----\n";
        var seed = Convert.ToBase64String(((Ed25519PrivateKeyParameters)TestKeys.Ed25519.Private).GetEncoded());

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", pkcs1, StringComparison.Ordinal);
        Assert.Equal("rsa-sha256", Algorithm(DkimSigningKey.Load("example.org", "rsa", Write("rsa.private", pkcs1))));
        Assert.Equal("ed25519-sha256", Algorithm(DkimSigningKey.Load("example.org", "ed", Write("ed.pem", pkcs8Ed))));
        Assert.Equal("ed25519-sha256", Algorithm(DkimSigningKey.Parse("example.org", "ed", seed)));
    }

    [Fact]
    public void Something_that_is_not_a_private_key_is_a_FormatException_naming_the_file()
    {
        var path = Write("bad.private", "not a key");
        var publicKey = Write("public.pem", TestKeys.Pem(TestKeys.Rsa.Public));

        Assert.Contains("bad.private", Assert.Throws<FormatException>(() => DkimSigningKey.Load("example.org", "s", path)).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => DkimSigningKey.Load("example.org", "s", publicKey));
    }

    [Fact]
    public void An_OpenDKIM_key_table_and_signing_table_choose_keys_by_the_From_address()
    {
        Write("rsa.private", TestKeys.Pem(TestKeys.Rsa.Private));
        Write("ed.private", Convert.ToBase64String(((Ed25519PrivateKeyParameters)TestKeys.Ed25519.Private).GetEncoded()));
        var keyTable = Write("KeyTable", """
            # name  domain:selector:path
            rsa     example.org:rsa:rsa.private
            ed      example.org:ed:ed.private
            sub     sub.example.org:rsa:rsa.private
            """);
        var signingTable = Write("SigningTable", """
            *@sub.example.org   sub
            *@example.org       rsa
            *@example.org       ed
            boss@other.example  rsa
            """);

        var table = DkimKeyTable.Load(keyTable, signingTable);

        Assert.Equal(["rsa"], table.Find("alice@example.org").Select(k => k.Selector));
        Assert.Equal(["sub.example.org"], table.Find("bob@SUB.example.org").Select(k => k.Domain));
        Assert.Equal(["rsa"], table.Find("boss@other.example").Select(k => k.Selector));
        Assert.Empty(table.Find("someone@other.example"));
        table.MultipleSignatures = true;
        Assert.Equal(["rsa", "ed"], table.Find("alice@example.org").Select(k => k.Selector));
    }

    [Fact]
    public void A_signing_table_naming_a_missing_key_says_where()
    {
        Write("rsa.private", TestKeys.Pem(TestKeys.Rsa.Private));
        var keyTable = Write("KeyTable", "rsa example.org:rsa:rsa.private\n");
        var signingTable = Write("SigningTable", "*@example.org rsa\n*@example.net nope\n");

        var error = Assert.Throws<FormatException>(() => DkimKeyTable.Load(keyTable, signingTable));

        Assert.Contains("SigningTable:2", error.Message, StringComparison.Ordinal);
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relaxed", "Relaxed", "Simple")]
    [InlineData("simple/relaxed", "Simple", "Relaxed")]
    [InlineData("Relaxed/Relaxed", "Relaxed", "Relaxed")]
    public void Canonicalization_reads_as_OpenDKIM_writes_it(string text, string header, string body)
    {
        var options = new DkimSigningOptions();
        options.SetCanonicalization(text);

        Assert.Equal((header, body), (options.HeaderCanonicalization.ToString(), options.BodyCanonicalization.ToString()));
        Assert.Throws<FormatException>(() => options.SetCanonicalization("loose"));
    }

    private static string Algorithm(DkimSigningKey key) => key.Algorithm == MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}
