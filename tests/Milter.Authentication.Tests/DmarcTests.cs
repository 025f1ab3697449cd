using System.Net;

namespace Milter.Authentication.Tests;

public class DmarcTests
{
    private static readonly PublicSuffixList Suffixes = new(["// comment", "com", "org", "uk", "co.uk", "*.ck", "!www.ck", "example.com"]);

    private static SpfCheckResult Spf(AuthResult result, string domain) => new(result, "mailfrom", $"bounce@{domain}", domain, null);

    private static DkimSignatureResult Dkim(AuthResult result, string domain) => new(result, domain, "s", "rsa-sha256", null, "abc", null);

    private static Task<DmarcResult> Evaluate(string from, FakeDns dns, IReadOnlyList<DkimSignatureResult>? dkim = null, SpfCheckResult? spf = null, int percentile = 0) =>
        new DmarcEvaluation(Suffixes, () => percentile).EvaluateAsync(Messages.Parse($"From: <a@{from}>\r\nSubject: x\r\n\r\nbody\r\n"), dkim ?? [], spf, dns);

    [Theory]
    [InlineData("example.org", "example.org")]
    [InlineData("mail.example.org", "example.org")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("EXAMPLE.CO.UK.", "example.co.uk")]
    [InlineData("foo.bar.ck", "foo.bar.ck")]
    [InlineData("www.ck", "www.ck")]
    [InlineData("a.www.ck", "www.ck")]
    [InlineData("a.b.example.com", "b.example.com")]
    [InlineData("host.unlisted", "host.unlisted")]
    [InlineData("org", "org")]
    public void The_organizational_domain_is_the_public_suffix_and_one_label(string domain, string organizational)
    {
        Assert.Equal(organizational, Suffixes.OrganizationalDomain(domain));
    }

    [Fact]
    public void Debians_list_is_read_when_installed()
    {
        if (!File.Exists(PublicSuffixList.DebianPath))
            Assert.Skip("Debian's publicsuffix package is not installed (apt-get install publicsuffix)");

        var list = PublicSuffixList.Load();

        Assert.Equal("example.co.uk", list.OrganizationalDomain("mail.example.co.uk"));
        Assert.Equal("example.org", list.OrganizationalDomain("a.b.example.org"));
    }

    [Fact]
    public async Task An_aligned_DKIM_pass_passes_relaxed_across_subdomains_but_not_strict()
    {
        var relaxed = new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; p=reject");
        var strict = new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; p=reject; adkim=s");

        var pass = await Evaluate("example.org", relaxed, [Dkim(AuthResult.Pass, "mail.example.org")]);
        var fail = await Evaluate("example.org", strict, [Dkim(AuthResult.Pass, "mail.example.org")]);

        Assert.Equal((AuthResult.Pass, DmarcPolicy.None), (pass.Result, pass.Disposition));
        Assert.Equal((AuthResult.Fail, DmarcPolicy.Reject), (fail.Result, fail.Disposition));
    }

    [Fact]
    public async Task An_aligned_SPF_pass_passes_and_a_failing_or_foreign_signature_does_not()
    {
        var dns = new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; p=quarantine");

        var spf = await Evaluate("example.org", dns, spf: Spf(AuthResult.Pass, "bounces.example.org"));
        var foreign = await Evaluate("example.org", dns, [Dkim(AuthResult.Pass, "example.net"), Dkim(AuthResult.Fail, "example.org")], Spf(AuthResult.Pass, "example.net"));

        Assert.Equal(AuthResult.Pass, spf.Result);
        Assert.Equal((AuthResult.Fail, DmarcPolicy.Quarantine, DmarcPolicy.Quarantine), (foreign.Result, foreign.RequestedPolicy, foreign.Disposition));
    }

    [Fact]
    public async Task A_subdomain_without_a_record_gets_the_organizational_domains_sp()
    {
        var dns = new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine");

        var result = await Evaluate("news.example.org", dns);

        Assert.Equal(("news.example.org", "example.org", DmarcPolicy.Quarantine), (result.FromDomain, result.PolicyDomain, result.Disposition));
        Assert.Equal(["_dmarc.news.example.org", "_dmarc.example.org"], dns.Asked);
    }

    [Theory]
    [InlineData(49, DmarcPolicy.Reject)]
    [InlineData(50, DmarcPolicy.Quarantine)]
    public async Task Outside_the_pct_sample_the_next_policy_down_applies(int percentile, DmarcPolicy disposition)
    {
        var dns = new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; p=reject; pct=50");

        Assert.Equal(disposition, (await Evaluate("example.org", dns, percentile: percentile)).Disposition);
    }

    [Fact]
    public async Task No_record_is_none_two_are_none_a_bad_one_is_permerror_and_DNS_failure_is_temperror()
    {
        Assert.Equal(AuthResult.None, (await Evaluate("example.org", new FakeDns())).Result);
        Assert.Equal(AuthResult.None, (await Evaluate("example.org", new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; p=none", "v=DMARC1; p=reject"))).Result);
        Assert.Equal(AuthResult.PermError, (await Evaluate("example.org", new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; p=maybe"))).Result);
        Assert.Equal(DmarcPolicy.None, (await Evaluate("example.org", new FakeDns().Txt("_dmarc.example.org", "v=DMARC1; rua=mailto:d@example.org"))).RequestedPolicy);
        Assert.Equal(AuthResult.TempError, (await Evaluate("example.org", new FakeDns().Failing("_dmarc.example.org"))).Result);
    }

    [Fact]
    public async Task A_message_with_two_From_addresses_is_permerror()
    {
        var message = Messages.Parse("From: <a@example.org>, <b@example.net>\r\n\r\nbody\r\n");

        var result = await new DmarcEvaluation(Suffixes).EvaluateAsync(message, [], null, new FakeDns());

        Assert.Equal(AuthResult.PermError, result.Result);
    }

    [Fact]
    public async Task The_report_writes_every_result_under_the_authserv_id()
    {
        var dns = TestKeys.Dns().Txt("_dmarc.example.org", "v=DMARC1; p=reject").Txt("example.org", "v=spf1 ip4:192.0.2.0/24 -all");
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        var authenticator = new MessageAuthenticator(dns, new MessageAuthenticatorOptions { PublicSuffixes = Suffixes });

        var report = await authenticator.VerifyAsync(message, new SmtpEnvelope(IPAddress.Parse("192.0.2.3"), "mail.example.org", "alice@example.org"));
        var header = report.ToHeaderValue("mx.example.net");

        Assert.StartsWith("mx.example.net; dkim=pass header.d=example.org header.s=rsa header.a=rsa-sha256 header.b=", header, StringComparison.Ordinal);
        Assert.Contains("spf=pass smtp.mailfrom=\"alice@example.org\"", header, StringComparison.Ordinal);
        Assert.Contains("spf=none reason=\"no SPF record at mail.example.org\" smtp.helo=mail.example.org", header, StringComparison.Ordinal);
        Assert.Contains("dmarc=pass (p=reject dis=none) header.from=example.org", header, StringComparison.Ordinal);
        Assert.EndsWith("arc=none", header, StringComparison.Ordinal);
    }
}
