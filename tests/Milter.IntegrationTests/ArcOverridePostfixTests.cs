using System.Text;
using Milter.Authentication;
using Milter.IntegrationTests.Support;
using MimeKit;

namespace Milter.IntegrationTests;

/// <summary>
/// The ARC override of DMARC behind a real Postfix: a message from strict.ours.test (p=reject) that a list at ours.test
/// changed and sealed, having seen DMARC pass, reaches AuthMilter through Postfix with keys and policies in a real DNS
/// server. The AuthMilter that trusts ours.test delivers it with policy.arc-override; the one that does not refuses it.
/// </summary>
[Collection(MailDns.Collection)]
public sealed class ArcOverridePostfixTests(MailDns dns)
{
    [Fact]
    public async Task A_trusted_sealers_chain_lets_the_DMARC_failure_through_and_without_trust_Postfix_refuses_it()
    {
        if ((dns.Unavailable ?? PostfixInstance.Unavailable() ?? (File.Exists(PublicSuffixList.DebianPath) ? null : "Debian's publicsuffix package is not installed")) is { } reason)
            Assert.Skip(reason);
        var message = await SealedByTheListAsync();
        await using var trusting = await SampleMilter.StartAuthMilterAsync("--AuthMilter:Mode", "v", "--AuthMilter:AuthservId", "mx.dest.test",
            "--AuthMilter:Nameservers:0", dns.Server, "--AuthMilter:TrustedArcSealers:0", "ours.test");
        await using var untrusting = await SampleMilter.StartAuthMilterAsync("--AuthMilter:Mode", "v", "--AuthMilter:AuthservId", "mx.dest.test",
            "--AuthMilter:Nameservers:0", dns.Server);
        await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{trusting.Port}", $"inet:127.0.0.1:{untrusting.Port}");

        var delivered = await DkimInteropRig.RelayAsync(postfix, postfix.SmtpPort, message);
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.OtherSmtpPort);
        var refused = await smtp.SendAsync("alice@sender.test", ["bob@dest.test"], message);

        Assert.Contains("arc=pass", delivered, StringComparison.Ordinal);
        Assert.Contains("dmarc=fail (p=reject dis=none)", delivered, StringComparison.Ordinal);
        Assert.Contains("policy.arc-override=ours.test", delivered, StringComparison.Ordinal);
        Assert.Equal(550, refused.Code);
    }

    // The list saw DMARC pass, added its footer, and sealed with ours.test's key (rsa._domainkey.ours.test in the DNS).
    private async Task<string> SealedByTheListAsync()
    {
        var text = "From: <alice@strict.ours.test>\r\nTo: <list@ours.test>\r\nSubject: through the list\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
            + "Message-ID: <arc-override@strict.ours.test>\r\n\r\nHello list.\r\n-- \r\nThe list's footer.\r\n";
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var atList = new AuthenticationReport([], new ArcResult(AuthResult.None, 0, null), null, null,
            new DmarcResult(AuthResult.Pass, "strict.ours.test", "strict.ours.test", DmarcPolicy.Reject, DmarcPolicy.None, null));
        var key = DkimSigningKey.Load("ours.test", "rsa", Path.Combine(dns.KeyDirectory, "ours-rsa.private"));
        var set = await new ArcSealing(key).SealAsync(message, atList, "ours.test");
        for (var i = set.Count - 1; i >= 0; i--)
            message.Headers.Insert(0, set[i]);
        using var wire = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, wire);
        return Encoding.UTF8.GetString(wire.ToArray());
    }
}
