using System.Text;
using AuthMilter;
using Microsoft.Extensions.DependencyInjection;
using Milter.Client;
using Milter.Testing;
using MimeKit;

namespace Milter.Authentication.Tests;

/// <summary>The AuthMilter sample in memory (Milter.Testing): signs inside mail, checks outside mail, applies DMARC.</summary>
public sealed class AuthMilterSampleTests : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-authmilter-").FullName;
    private readonly FakeDns _dns = TestKeys.Dns()
        .Txt("_dmarc.example.org", "v=DMARC1; p=reject")
        .Txt("_dmarc.example.com", "v=DMARC1; p=quarantine")
        .Txt("example.org", "v=spf1 ip4:192.0.2.0/24 -all");
    private readonly ServiceProvider _services;
    private readonly MilterTest _test;

    public AuthMilterSampleTests()
    {
        File.WriteAllText(Path.Combine(_directory, "rsa.private"), TestKeys.Pem(TestKeys.Rsa.Private));
        // RequireSafeKeys: the owner's alone.
        File.SetUnixFileMode(Path.Combine(_directory, "rsa.private"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(_directory, "suffixes.dat"), "org\ncom\n");
        var settings = new AuthSettings
        {
            AuthservId = "mx.test",
            Domain = ["example.org"],
            Selector = "rsa",
            KeyFile = "rsa.private",
            PublicSuffixList = Path.Combine(_directory, "suffixes.dat"),
        };
        _services = new ServiceCollection().AddLogging().AddSingleton(new AuthPolicy(settings, _directory, _dns)).BuildServiceProvider();
        _test = MilterTest.For<AuthFilter>(_services);
    }

    public async ValueTask DisposeAsync()
    {
        await _test.DisposeAsync();
        await _services.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static Envelope From(string client) => new("alice@example.org", ["bob@example.net"]) { ClientAddress = client, HeloName = "mail.example.org" };

    [Fact]
    public async Task Mail_from_inside_is_signed_at_the_top_and_the_signature_verifies_as_delivered()
    {
        var result = await _test.SendAsync(Messages.Parse(Messages.Plain), From("127.0.0.1"));

        var delivered = result.AssertAccepted();
        Assert.Equal("DKIM-Signature", delivered.Headers[0].Field);
        Assert.Equal(AuthResult.Pass, Assert.Single(await new DkimVerification().VerifyAsync(Messages.Parse(Messages.Bytes(delivered)), _dns)).Result);
        Assert.DoesNotContain(delivered.Headers, h => h.Id == HeaderId.AuthenticationResults);
    }

    [Fact]
    public async Task Mail_from_outside_gets_results_at_the_top_and_loses_forged_ones_under_our_name()
    {
        var message = Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]);
        message.Headers.Add("Authentication-Results", "MX.TEST; dkim=pass header.d=forged.example");
        message.Headers.Add("Authentication-Results", "other.example; spf=pass smtp.mailfrom=x@y.example");

        var result = await _test.SendAsync(message, From("192.0.2.3"));

        var delivered = result.AssertAccepted();
        var results = delivered.Headers.Where(h => h.Id == HeaderId.AuthenticationResults).Select(h => h.Value.Trim()).ToList();
        Assert.Equal("Authentication-Results", delivered.Headers[0].Field);
        Assert.Equal(2, results.Count);
        Assert.StartsWith("mx.test; dkim=pass header.d=example.org", results[0], StringComparison.Ordinal);
        Assert.Contains("spf=pass", results[0], StringComparison.Ordinal);
        Assert.Contains("dmarc=pass", results[0], StringComparison.Ordinal);
        Assert.StartsWith("other.example;", results[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_IDN_From_domain_that_asks_for_reject_is_refused()
    {
        _dns.Txt("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject");

        var result = await _test.SendAsync(Messages.Parse(Messages.Plain.Replace("alice@example.org", "alice@xn--bcher-kva.example", StringComparison.Ordinal)), From("198.51.100.7"));

        result.AssertRejected(550, "5.7.1");
    }

    [Fact]
    public async Task Results_from_a_hostile_record_are_a_field_authres_reads()
    {
        DebianPython.Require("authres", "python3-authres");
        _dns.Txt("hostile.example", "v=spf1 ip4:192.0.2.9 \r\n\0\u00ff\uFEFF\"; -all");
        var envelope = new Envelope("bounce@hostile.example", ["bob@example.net"]) { ClientAddress = "198.51.100.7", HeloName = "mail\u00e9.example" };

        var delivered = (await _test.SendAsync(Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]), envelope)).AssertAccepted();

        // The field as the MTA writes it, unfolded: printable ASCII and the tabs of its folding.
        var value = Encoding.UTF8.GetString(delivered.Headers[0].RawValue).Replace("\r\n", "", StringComparison.Ordinal).Trim();
        Assert.All(value, c => Assert.True(c is '\t' or (>= ' ' and <= '~'), $"U+{(int)c:X4}"));
        Assert.Equal("[\"dkim\", \"spf\", \"spf\", \"dmarc\", \"arc\"]", DebianPython.Output(
            "import authres, json, sys; print(json.dumps([r.method for r in authres.AuthenticationResultsHeader.parse_value(sys.stdin.read()).results]))", value).Trim());
    }

    [Fact]
    public async Task A_DMARC_failure_is_refused_or_quarantined_as_the_domain_asks()
    {
        var forged = await _test.SendAsync(Messages.Parse(Messages.Plain), From("198.51.100.7"));
        var quarantined = await _test.SendAsync(Messages.Parse(Messages.Plain.Replace("alice@example.org", "carol@example.com", StringComparison.Ordinal)), From("198.51.100.7"));

        forged.AssertRejected(550, "5.7.1");
        Assert.Equal("DMARC policy for example.com", quarantined.QuarantineReason);
    }
}
