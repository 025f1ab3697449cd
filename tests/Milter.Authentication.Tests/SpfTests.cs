using System.Net;

namespace Milter.Authentication.Tests;

public class SpfTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.3");
    private readonly SpfChecker _spf = new();

    private Task<SpfCheckResult> Check(FakeDns dns, string sender = "user@example.org", IPAddress? client = null) =>
        _spf.CheckMailFromAsync(client ?? Client, sender, "mail.example.org", dns);

    [Theory]
    [InlineData("v=spf1 ip4:192.0.2.0/24 -all", AuthResult.Pass)]
    [InlineData("v=spf1 ip4:192.0.2.3 -all", AuthResult.Pass)]
    [InlineData("v=spf1 ip4:198.51.100.0/24 -all", AuthResult.Fail)]
    [InlineData("v=spf1 ip4:198.51.100.0/24 ~all", AuthResult.SoftFail)]
    [InlineData("v=spf1 ip4:198.51.100.0/24 ?all", AuthResult.Neutral)]
    [InlineData("v=spf1 ip4:198.51.100.0/24", AuthResult.Neutral)]
    [InlineData("v=spf1 -ip4:192.0.2.3 +all", AuthResult.Fail)]
    [InlineData("v=spf1 ip6:2001:db8::/32 -all", AuthResult.Fail)]
    [InlineData("v=spf1 a -all", AuthResult.Pass)]
    [InlineData("v=spf1 a:other.example.org/24 -all", AuthResult.Pass)]
    [InlineData("v=spf1 a:other.example.org -all", AuthResult.Fail)]
    [InlineData("v=spf1 mx -all", AuthResult.Fail)]
    [InlineData("v=spf1 mx/30 -all", AuthResult.Pass)]
    [InlineData("v=spf1 exists:%{i}.allowed.example.org -all", AuthResult.Pass)]
    [InlineData("v=spf1 ptr -all", AuthResult.Pass)]
    [InlineData("v=spf1 ptr:elsewhere.example -all", AuthResult.Fail)]
    [InlineData("V=SPF1 IP4:192.0.2.3 -ALL", AuthResult.Pass)]
    [InlineData("v=spf1 unknown-modifier=%{d} ip4:192.0.2.3 -all", AuthResult.Pass)]
    public async Task Mechanisms_match_as_RFC_7208_says(string record, AuthResult expected)
    {
        var dns = new FakeDns().Txt("example.org", record)
            .A("example.org", "192.0.2.3").A("other.example.org", "192.0.2.200")
            .Mx("example.org", "mx.example.org").A("mx.example.org", "192.0.2.1")
            .A("192.0.2.3.allowed.example.org", "127.0.0.2")
            .Ptr("192.0.2.3", "host.example.org").A("host.example.org", "192.0.2.3");

        var result = await Check(dns);

        Assert.Equal(expected, result.Result);
        Assert.Equal("mailfrom", result.Identity);
        Assert.Equal("example.org", result.Domain);
    }

    [Theory]
    [InlineData("v=spf1 ip4:192.0.2.300 -all")]
    [InlineData("v=spf1 ip4:192.0.2.0/33 -all")]
    [InlineData("v=spf1 a/024 -all")]
    [InlineData("v=spf1 include -all")]
    [InlineData("v=spf1 foo:bar -all")]
    [InlineData("v=spf1 exists:%{z}.example.org -all")]
    [InlineData("v=spf1 redirect=a.example.org redirect=b.example.org")]
    [InlineData("v=spf1 -all exp=a.example.org exp=b.example.org")]
    [InlineData("v=spf1 include:example.123 -all")]
    public async Task A_malformed_record_is_permerror(string record)
    {
        var result = await Check(new FakeDns().Txt("example.org", record));

        Assert.Equal(AuthResult.PermError, result.Result);
    }

    [Fact]
    public async Task No_record_is_none_and_two_records_are_permerror()
    {
        Assert.Equal(AuthResult.None, (await Check(new FakeDns().Txt("example.org", "some other text"))).Result);
        Assert.Equal(AuthResult.None, (await Check(new FakeDns())).Result);
        Assert.Equal(AuthResult.PermError, (await Check(new FakeDns().Txt("example.org", "v=spf1 -all", "v=spf1 +all"))).Result);
    }

    [Fact]
    public async Task Include_passes_on_pass_and_anything_else_goes_on()
    {
        var dns = new FakeDns()
            .Txt("example.org", "v=spf1 include:fails.example include:passes.example -all")
            .Txt("fails.example", "v=spf1 -all")
            .Txt("passes.example", "v=spf1 ip4:192.0.2.0/24 -all");

        var result = await Check(dns);

        Assert.Equal(AuthResult.Pass, result.Result);
        Assert.Contains("include:passes.example", result.Reason);
    }

    [Fact]
    public async Task Include_of_a_domain_without_a_record_is_permerror()
    {
        var result = await Check(new FakeDns().Txt("example.org", "v=spf1 include:nothing.example -all"));

        Assert.Equal(AuthResult.PermError, result.Result);
    }

    [Fact]
    public async Task An_include_loop_ends_at_the_lookup_limit_as_permerror()
    {
        var dns = new FakeDns()
            .Txt("example.org", "v=spf1 include:loop.example -all")
            .Txt("loop.example", "v=spf1 include:example.org -all");

        var result = await Check(dns);

        Assert.Equal(AuthResult.PermError, result.Result);
        Assert.Contains("more than 10 DNS lookups", result.Reason);
        Assert.InRange(dns.Questions, 10, 12);
    }

    [Fact]
    public async Task Eleven_lookups_are_permerror_and_ten_are_fine()
    {
        static string Record(int includes) =>
            "v=spf1 " + string.Join(' ', Enumerable.Range(1, includes).Select(i => $"include:i{i}.example")) + " ip4:192.0.2.3 -all";
        var dns = new FakeDns();
        for (var i = 1; i <= 11; i++)
            dns.Txt($"i{i}.example", "v=spf1 -all");

        Assert.Equal(AuthResult.Pass, (await Check(dns.Txt("example.org", Record(10)))).Result);
        Assert.Equal(AuthResult.PermError, (await Check(dns.Txt("example.net", Record(11)), "user@example.net")).Result);
    }

    [Fact]
    public async Task A_third_void_lookup_is_permerror()
    {
        var dns = new FakeDns()
            .Txt("example.org", "v=spf1 a:v1.example a:v2.example ip4:192.0.2.3 -all")
            .Txt("example.net", "v=spf1 a:v1.example a:v2.example a:v3.example ip4:192.0.2.3 -all");

        Assert.Equal(AuthResult.Pass, (await Check(dns)).Result);
        var result = await Check(dns, "user@example.net");
        Assert.Equal(AuthResult.PermError, result.Result);
        Assert.Contains("void lookups", result.Reason);
    }

    [Fact]
    public async Task More_than_ten_MX_names_are_permerror()
    {
        var dns = new FakeDns().Txt("example.org", "v=spf1 mx -all")
            .Mx("example.org", Enumerable.Range(1, 11).Select(i => $"mx{i}.example.org").ToArray());

        Assert.Equal(AuthResult.PermError, (await Check(dns)).Result);
    }

    [Fact]
    public async Task DNS_failures_are_temperror()
    {
        Assert.Equal(AuthResult.TempError, (await Check(new FakeDns().Failing("example.org"))).Result);
        var dns = new FakeDns().Txt("example.org", "v=spf1 include:broken.example -all").Failing("broken.example");
        Assert.Equal(AuthResult.TempError, (await Check(dns)).Result);
        var a = new FakeDns().Txt("example.org", "v=spf1 a:broken.example -all").Failing("broken.example");
        Assert.Equal(AuthResult.TempError, (await Check(a)).Result);
    }

    [Fact]
    public async Task A_failing_PTR_lookup_is_no_match_not_temperror()
    {
        var dns = new FakeDns().Txt("example.org", "v=spf1 ptr ?all");

        Assert.Equal(AuthResult.Neutral, (await Check(dns)).Result);
    }

    [Fact]
    public async Task Redirect_applies_when_nothing_matched_and_a_redirect_to_nothing_is_permerror()
    {
        var dns = new FakeDns()
            .Txt("example.org", "v=spf1 redirect=_spf.example.com")
            .Txt("_spf.example.com", "v=spf1 ip4:192.0.2.0/24 -all")
            .Txt("example.net", "v=spf1 redirect=nothing.example");

        Assert.Equal(AuthResult.Pass, (await Check(dns)).Result);
        Assert.Equal(AuthResult.PermError, (await Check(dns, "user@example.net")).Result);
    }

    [Fact]
    public async Task A_fail_carries_the_domains_explanation_with_its_macros()
    {
        var dns = new FakeDns()
            .Txt("example.org", "v=spf1 -all exp=explain.example.org")
            .Txt("explain.example.org", "%{i} is not one of %{d}'s senders");

        var result = await Check(dns);

        Assert.Equal(AuthResult.Fail, result.Result);
        Assert.Equal("192.0.2.3 is not one of example.org's senders", result.Explanation);
    }

    [Fact]
    public async Task IPv6_clients_are_matched_on_AAAA_and_ip6()
    {
        var client = IPAddress.Parse("2001:db8::cb01");
        var dns = new FakeDns().Txt("example.org", "v=spf1 a ip6:2001:db8:1::/48 -all").A("example.org", "192.0.2.3", "2001:db8::cb01");

        Assert.Equal(AuthResult.Pass, (await Check(dns, client: client)).Result);
        Assert.Equal(AuthResult.Pass, (await Check(dns, client: IPAddress.Parse("2001:db8:1::5"))).Result);
        Assert.Equal(AuthResult.Fail, (await Check(dns, client: IPAddress.Parse("2001:db8:2::5"))).Result);
        Assert.Equal(AuthResult.Pass, (await Check(dns, client: IPAddress.Parse("::ffff:192.0.2.3"))).Result);
    }

    [Fact]
    public async Task The_null_sender_is_checked_as_postmaster_at_the_HELO_name()
    {
        var dns = new FakeDns().Txt("mail.example.org", "v=spf1 ip4:192.0.2.3 -all");

        var result = await _spf.CheckMailFromAsync(Client, "<>", "mail.example.org", dns);

        Assert.Equal(AuthResult.Pass, result.Result);
        Assert.Equal("postmaster@mail.example.org", result.Sender);
    }

    [Fact]
    public async Task HELO_is_checked_as_its_own_identity_and_an_address_literal_is_none()
    {
        var dns = new FakeDns().Txt("mail.example.org", "v=spf1 ip4:192.0.2.3 -all");

        var helo = await _spf.CheckHeloAsync(Client, "mail.example.org", dns);
        var literal = await _spf.CheckHeloAsync(Client, "[192.0.2.3]", dns);

        Assert.Equal((AuthResult.Pass, "helo", "mail.example.org"), (helo.Result, helo.Identity, helo.Sender));
        Assert.Equal(AuthResult.None, literal.Result);
    }

    [Theory]
    [InlineData("user@localhost")]
    [InlineData("user@exa mple.org")]
    [InlineData("user@")]
    public async Task A_sender_domain_that_is_not_a_domain_is_none(string sender)
    {
        Assert.Equal(AuthResult.None, (await Check(new FakeDns(), sender)).Result);
    }
}
