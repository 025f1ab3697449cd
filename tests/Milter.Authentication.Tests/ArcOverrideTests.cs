using System.Net;
using AuthMilter;
using Microsoft.Extensions.DependencyInjection;
using Milter.Client;
using Milter.Testing;
using MimeKit;

namespace Milter.Authentication.Tests;

/// <summary>
/// RFC 8617 7.2.1's local policy: a mailing list (lists.example.net) that the receiver trusts saw DMARC pass, then changed
/// the message and sealed it; the DMARC failure that follows is not acted on, and Authentication-Results says why.
/// </summary>
public class ArcOverrideTests
{
    private const string List = "lists.example.net";
    private static readonly PublicSuffixList Suffixes = new(["org", "net"]);

    private static FakeDns Dns() => new FakeDns()
        .Txt("_dmarc.example.org", "v=DMARC1; p=reject")
        .Txt($"rsa._domainkey.{List}", TestKeys.Record(TestKeys.Rsa));

    [Fact]
    public async Task A_trusted_sealers_dmarc_pass_overrides_the_failure_and_says_so()
    {
        var report = await VerifyAsync(await ThroughTheListAsync(AuthResult.Pass), [List]);

        Assert.Equal((AuthResult.Pass, AuthResult.Fail, DmarcPolicy.Reject, DmarcPolicy.None, List),
            (report.Arc!.Result, report.Dmarc!.Result, report.Dmarc.RequestedPolicy, report.Dmarc.Disposition, report.Dmarc.ArcOverride));
        Assert.Contains($"dmarc=fail (p=reject dis=none) reason=\"neither DKIM nor SPF aligned\" policy.arc-override={List} header.from=example.org",
            report.ToHeaderValue("mx.example.com"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_override_for_an_untrusted_sealer_a_sealer_that_saw_DMARC_fail_or_a_broken_chain()
    {
        var untrusted = await VerifyAsync(await ThroughTheListAsync(AuthResult.Pass), ["other.example.net"]);
        var sawFail = await VerifyAsync(await ThroughTheListAsync(AuthResult.Fail), [List]);
        var broken = await ThroughTheListAsync(AuthResult.Pass);
        broken.Subject = "changed after the list sealed it";
        var afterBreak = await VerifyAsync(broken, [List]);

        Assert.All((AuthenticationReport[])[untrusted, sawFail, afterBreak], r => Assert.Equal((DmarcPolicy.Reject, null), (r.Dmarc!.Disposition, r.Dmarc.ArcOverride)));
        Assert.Equal(AuthResult.Fail, afterBreak.Arc!.Result);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AuthMilter_delivers_what_its_trusted_list_vouches_for_and_refuses_the_rest(bool trusted)
    {
        var directory = Directory.CreateTempSubdirectory("milter-arc-override-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "suffixes.dat"), "org\nnet\n");
            var settings = new AuthSettings { AuthservId = "mx.example.com", PublicSuffixList = Path.Combine(directory, "suffixes.dat"), TrustedArcSealers = trusted ? [List] : [] };
            await using var services = new ServiceCollection().AddLogging().AddSingleton(new AuthPolicy(settings, directory, Dns())).BuildServiceProvider();
            await using var test = MilterTest.For<AuthFilter>(services);

            var result = await test.SendAsync(await ThroughTheListAsync(AuthResult.Pass),
                new Envelope($"bounce@{List}", ["bob@example.com"]) { ClientAddress = "198.51.100.7", HeloName = List });

            if (trusted)
                Assert.Contains($"policy.arc-override={List}", result.AssertAccepted().Headers[HeaderId.AuthenticationResults], StringComparison.Ordinal);
            else
                result.AssertRejected(550, "5.7.1");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // alice@example.org posts to the list; the list checked DMARC (dmarcAtList), added a footer and sealed the message.
    private static async Task<MimeMessage> ThroughTheListAsync(AuthResult dmarcAtList)
    {
        var message = Messages.Parse(Messages.Plain.Replace("\r\n\r\n\r\n", "\r\n-- \r\nThe list's footer.\r\n", StringComparison.Ordinal));
        var atList = new AuthenticationReport([], new ArcResult(AuthResult.None, 0, null), null, null,
            new DmarcResult(dmarcAtList, "example.org", "example.org", DmarcPolicy.Reject, DmarcPolicy.None, null));
        var set = await new ArcSealing(TestKeys.RsaKey(List)).SealAsync(message, atList, List);
        for (var i = set.Count - 1; i >= 0; i--)
            message.Headers.Insert(0, set[i]);
        return Messages.Parse(Messages.Bytes(message));
    }

    private static Task<AuthenticationReport> VerifyAsync(MimeMessage message, string[] trusted)
    {
        var options = new MessageAuthenticatorOptions { PublicSuffixes = Suffixes, Spf = null };
        foreach (var sealer in trusted)
            options.TrustedArcSealers.Add(sealer);
        return new MessageAuthenticator(Dns(), options).VerifyAsync(message, new SmtpEnvelope(IPAddress.Parse("198.51.100.7"), List, $"bounce@{List}"));
    }
}
