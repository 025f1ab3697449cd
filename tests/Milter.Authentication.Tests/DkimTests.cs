using MimeKit;

namespace Milter.Authentication.Tests;

public class DkimTests
{
    private readonly DkimVerification _verifier = new();

    [Theory]
    [InlineData("relaxed/relaxed", false)]
    [InlineData("relaxed/simple", false)]
    [InlineData("simple/simple", false)]
    [InlineData("simple/relaxed", false)]
    [InlineData("relaxed/relaxed", true)]
    [InlineData("simple/simple", true)]
    public async Task A_signature_made_here_verifies_here(string canonicalization, bool ed25519)
    {
        var options = new DkimSigningOptions();
        options.SetCanonicalization(canonicalization);
        var message = Messages.Signed(Messages.Plain, [ed25519 ? TestKeys.EdKey() : TestKeys.RsaKey()], options);

        var result = Assert.Single(await _verifier.VerifyAsync(message, TestKeys.Dns()));

        Assert.Equal(AuthResult.Pass, result.Result);
        Assert.Equal(("example.org", ed25519 ? "ed" : "rsa", ed25519 ? "ed25519-sha256" : "rsa-sha256"), (result.Domain, result.Selector, result.Algorithm));
        Assert.Contains($"c={canonicalization}", message.Headers[HeaderId.DkimSignature], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_record_that_changes_is_read_anew_though_keys_are_kept_between_messages()
    {
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        var rotated = new FakeDns().Txt("rsa._domainkey.example.org", TestKeys.Record(TestKeys.Ed25519).Replace("k=ed25519", "k=rsa", StringComparison.Ordinal));

        Assert.Equal(AuthResult.Pass, Assert.Single(await _verifier.VerifyAsync(message, TestKeys.Dns())).Result);
        Assert.Equal(AuthResult.Pass, Assert.Single(await _verifier.VerifyAsync(message, TestKeys.Dns())).Result);
        Assert.NotEqual(AuthResult.Pass, Assert.Single(await _verifier.VerifyAsync(message, rotated)).Result);
        Assert.Equal(AuthResult.Pass, Assert.Single(await _verifier.VerifyAsync(message, TestKeys.Dns())).Result);
    }

    [Fact]
    public async Task Two_keys_give_two_signatures_each_checked_on_its_own()
    {
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey(), TestKeys.EdKey()]);

        var results = await _verifier.VerifyAsync(message, TestKeys.Dns());

        Assert.Equal([AuthResult.Pass, AuthResult.Pass], results.Select(r => r.Result));
        Assert.Equal(["ed", "rsa"], results.Select(r => r.Selector));
    }

    [Fact]
    public async Task A_changed_body_or_signed_header_fails_and_an_unsigned_header_does_not_matter()
    {
        var tampered = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        tampered.Subject = "changed";
        var unsigned = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        unsigned.Headers.Add("X-Added-Later", "yes");
        var changedBody = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        Assert.IsType<TextPart>(changedBody.Body).Text = "Something else.\r\n";

        Assert.Equal(AuthResult.Fail, Assert.Single(await _verifier.VerifyAsync(tampered, TestKeys.Dns())).Result);
        Assert.Equal(AuthResult.Pass, Assert.Single(await _verifier.VerifyAsync(unsigned, TestKeys.Dns())).Result);
        Assert.Equal(AuthResult.Fail, Assert.Single(await _verifier.VerifyAsync(changedBody, TestKeys.Dns())).Result);
    }

    [Theory]
    [InlineData(null, AuthResult.PermError, "no key")]
    [InlineData("v=DKIM1; k=rsa; p=", AuthResult.PermError, "revoked")]
    [InlineData("v=DKIM1; k=rsa; p=bm90IGEga2V5", AuthResult.PermError, "usable key")]
    [InlineData("v=DKIM2; p=abc", AuthResult.PermError, "version")]
    [InlineData("not a tag list", AuthResult.PermError, "malformed")]
    [InlineData("v=DKIM1; h=sha1; p=abc", AuthResult.PermError, "hash")]
    public async Task Key_problems_are_permerror(string? record, AuthResult expected, string reason)
    {
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        var dns = record is null ? new FakeDns() : new FakeDns().Txt("rsa._domainkey.example.org", record);

        var result = Assert.Single(await _verifier.VerifyAsync(message, dns));

        Assert.Equal(expected, result.Result);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversize_key_record_is_permerror()
    {
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        var dns = new FakeDns().Txt("rsa._domainkey.example.org", "v=DKIM1; k=rsa; p=" + new string('A', 10_000));

        var result = Assert.Single(await _verifier.VerifyAsync(message, dns));

        Assert.Equal(AuthResult.PermError, result.Result);
        Assert.Contains("over 4096", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_DNS_failure_is_temperror()
    {
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);

        var result = Assert.Single(await _verifier.VerifyAsync(message, new FakeDns().Failing("rsa._domainkey.example.org")));

        Assert.Equal(AuthResult.TempError, result.Result);
    }

    [Theory]
    [InlineData("v=1; a=rsa-sha256; d=example.org; s=rsa; h=from; bh=abc=; b=", AuthResult.Neutral, "no b=")]
    [InlineData("v=1; a=rsa-sha256; d=example.org; s=rsa; bh=abc=; b=abc", AuthResult.Neutral, "no h=")]
    [InlineData("v=1; a=rsa-sha256; a=rsa-sha256; d=example.org", AuthResult.Neutral, "not a tag list")]
    [InlineData("v=2; a=rsa-sha256; d=example.org; s=rsa; h=from; bh=abc=; b=abc", AuthResult.Neutral, "version")]
    [InlineData("v=1; a=rsa-sha256; d=example.org; s=rsa; h=from; bh=abc=; b=abc; x=soon", AuthResult.Neutral, "x=")]
    [InlineData("v=1; a=rsa-sha256; d=example.org; s=rsa; h=from; bh=abc=; b=abc; l=many", AuthResult.Neutral, "malformed signature")]
    [InlineData("garbage", AuthResult.Neutral, "not a tag list")]
    [InlineData("v=1; a=rsa-md5; d=example.org; s=rsa; h=from; bh=abc=; b=abc", AuthResult.PermError, "unsupported algorithm")]
    [InlineData("v=1; a=rsa-sha256; d=example.org; s=rsa; h=subject; bh=abc=; b=abc", AuthResult.PermError, "From is not signed")]
    [InlineData("v=1; a=rsa-sha256; d=example.org; s=rsa; h=from; bh=abc=; b=abc; x=1000", AuthResult.PermError, "expired")]
    [InlineData("v=1; a=rsa-sha1; d=example.org; s=rsa; h=from; bh=abc=; b=abc", AuthResult.PermError, "RFC 8301")]
    public async Task A_broken_signature_gets_the_RFC_8601_result_not_an_exception(string signature, AuthResult expected, string reason)
    {
        var message = Messages.Parse(Messages.Plain);
        message.Headers.Insert(0, new Header("DKIM-Signature", signature));

        var result = Assert.Single(await _verifier.VerifyAsync(message, TestKeys.Dns()));

        Assert.Equal(expected, result.Result);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_without_signatures_has_no_results_and_many_signatures_cost_ten()
    {
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        for (var i = 0; i < 30; i++)
            message.Headers.Insert(0, message.Headers[HeaderId.DkimSignature] is { } v ? new Header("DKIM-Signature", v) : throw new InvalidOperationException());
        var dns = TestKeys.Dns();

        Assert.Empty(await _verifier.VerifyAsync(Messages.Parse(Messages.Plain), dns));
        var results = await _verifier.VerifyAsync(message, dns);
        Assert.Equal(31, results.Count);
        Assert.Equal(21, results.Count(r => r is { Result: AuthResult.Neutral, Reason: "too many signatures" }));
        Assert.Equal(10, dns.Questions);
    }
}
