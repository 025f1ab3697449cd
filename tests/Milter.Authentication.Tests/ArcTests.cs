using MimeKit;

namespace Milter.Authentication.Tests;

public class ArcTests
{
    private static readonly AuthenticationReport Passing = new([], new ArcResult(AuthResult.None, 0, null), null, null, null);

    private static async Task<MimeMessage> SealedAsync(MimeMessage message, AuthenticationReport report)
    {
        var set = await new ArcSealing(TestKeys.RsaKey()).SealAsync(message, report, "mx.example.org");
        for (var i = set.Count - 1; i >= 0; i--)
            message.Headers.Insert(0, set[i]);
        return Messages.Parse(Messages.Bytes(message));
    }

    [Fact]
    public async Task A_sealed_message_validates_and_a_second_hop_makes_a_chain_of_two()
    {
        var once = await SealedAsync(Messages.Parse(Messages.Plain), Passing);
        var first = await new ArcVerification().VerifyAsync(once, TestKeys.Dns());
        var twice = await SealedAsync(once, Passing with { Arc = first });
        var second = await new ArcVerification().VerifyAsync(twice, TestKeys.Dns());

        Assert.Equal((AuthResult.Pass, 1), (first.Result, first.Instances));
        Assert.Equal((AuthResult.Pass, 2), (second.Result, second.Instances));
        Assert.Contains("cv=pass", twice.Headers[HeaderId.ArcSeal], StringComparison.Ordinal);
        Assert.Contains("i=2", twice.Headers[HeaderId.ArcAuthenticationResults], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_message_fails_and_a_message_without_ARC_is_none()
    {
        var sealedMessage = await SealedAsync(Messages.Parse(Messages.Plain), Passing);
        sealedMessage.Subject = "changed after sealing";

        Assert.Equal(AuthResult.Fail, (await new ArcVerification().VerifyAsync(sealedMessage, TestKeys.Dns())).Result);
        Assert.Equal(AuthResult.None, (await new ArcVerification().VerifyAsync(Messages.Parse(Messages.Plain), TestKeys.Dns())).Result);
    }

    [Fact]
    public async Task Missing_keys_fail_and_DNS_failures_are_temperror()
    {
        var sealedMessage = await SealedAsync(Messages.Parse(Messages.Plain), Passing);

        Assert.Equal(AuthResult.Fail, (await new ArcVerification().VerifyAsync(sealedMessage, new FakeDns())).Result);
        Assert.Equal(AuthResult.TempError, (await new ArcVerification().VerifyAsync(sealedMessage, new FakeDns().Failing("rsa._domainkey.example.org"))).Result);
    }

    [Fact]
    public async Task Seals_are_rsa_sha256_unless_Ed25519_is_asked_for()
    {
        var refused = Assert.Throws<ArgumentException>(() => new ArcSealing(TestKeys.EdKey()));
        var set = await new ArcSealing(TestKeys.EdKey(), allowEd25519: true).SealAsync(Messages.Parse(Messages.Plain), Passing, "mx.example.org");

        Assert.Contains("ed._domainkey.example.org", refused.Message, StringComparison.Ordinal);
        Assert.Contains("a=ed25519-sha256", set[0].Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_ARC_header_fails_without_an_exception()
    {
        var message = Messages.Parse(Messages.Plain);
        message.Headers.Insert(0, new Header("ARC-Seal", "i=x; garbage"));

        Assert.Equal(AuthResult.Fail, (await new ArcVerification().VerifyAsync(message, TestKeys.Dns())).Result);
    }
}
