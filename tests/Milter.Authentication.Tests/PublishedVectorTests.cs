using MimeKit;

namespace Milter.Authentication.Tests;

/// <summary>
/// Signatures made elsewhere, read from Debian's python3-dkim (dkimpy's test data, installed by
/// tests/install-dependencies.sh): the RFC 8463 appendix A message, signed once with Ed25519 and once with RSA, and a
/// message Exim signed with Ed25519. Nothing of them is checked in; without the package the tests are skipped.
/// </summary>
public class PublishedVectorTests
{
    private const string Data = "/usr/lib/python3/dist-packages/dkim/tests/data";

    // RFC 8463 A.2: the public keys of the two selectors that signed the A.3 message.
    private const string Rfc8463Ed25519Key = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    private readonly DkimVerification _verifier = new();

    [Fact]
    public async Task The_RFC_8463_message_verifies_with_both_signatures()
    {
        var results = await _verifier.VerifyAsync(Load("rfc6376.signed.msg"), Rfc8463Dns());

        Assert.Equal(
            [("brisbane", "ed25519-sha256", AuthResult.Pass), ("test", "rsa-sha256", AuthResult.Pass)],
            results.Select(r => (r.Selector!, r.Algorithm!, r.Result)));
        Assert.All(results, r => Assert.Equal("football.example.com", r.Domain));
    }

    [Theory]
    [InlineData("We lost the game.", "We won the game.")]
    [InlineData("Subject: Is dinner ready?", "Subject: Is lunch ready?")]
    [InlineData("Subject: Is dinner ready?", "Subject:  Is dinner ready?")]
    public async Task The_RFC_8463_message_changed_fails_both_signatures(string from, string to)
    {
        var text = File.ReadAllText(Path.Combine(DataDirectory(), "rfc6376.signed.msg")).Replace(from, to, StringComparison.Ordinal);

        var results = await _verifier.VerifyAsync(Messages.Parse(text), Rfc8463Dns());

        Assert.Equal([AuthResult.Fail, AuthResult.Fail], results.Select(r => r.Result));
    }

    [Fact]
    public async Task A_message_Exim_signed_with_Ed25519_verifies()
    {
        var dns = new FakeDns().Txt("sed._domainkey.test.ex", File.ReadAllText(Path.Combine(DataDirectory(), "eximtest.dns")).Trim());

        var result = Assert.Single(await _verifier.VerifyAsync(Load("ed25519test2.msg"), dns));

        Assert.Equal(("test.ex", "sed", AuthResult.Pass), (result.Domain!, result.Selector!, result.Result));
    }

    private static FakeDns Rfc8463Dns() => new FakeDns()
        .Txt("brisbane._domainkey.football.example.com", Rfc8463Ed25519Key)
        .Txt("test._domainkey.football.example.com", File.ReadAllText(Path.Combine(DataDirectory(), "test.txt")).Trim());

    private static MimeMessage Load(string name) => MimeMessage.Load(Path.Combine(DataDirectory(), name));

    private static string DataDirectory()
    {
        if (!Directory.Exists(Data))
            Assert.Skip("Debian's python3-dkim is not installed (./test.sh installs it when run as root)");
        return Data;
    }
}
