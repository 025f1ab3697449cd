using System.Diagnostics;
using System.Net;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// The MTA is the oracle: a message delivered through <c>smtpd_milters = &lt;milter&gt;</c> must equal, byte for byte, the
/// same message delivered through our server whose one part is <see cref="ExternalMilter"/>(&lt;milter&gt;), for OpenDKIM
/// signing (on a frozen clock, so both signatures carry one t=) and for a pymilter milter that adds and changes headers
/// and adds a recipient; behind Sendmail too, for the pymilter milter.
/// </summary>
public sealed class ExternalMilterOracleTests
{
    private static string Message(string from, string subject) =>
        $"From: <{from}>\nTo: <rcpt@dest.test>\nSubject: {subject}\nDate: Mon, 07 Dec 2026 12:00:00 +0000\n"
        + $"Message-ID: <external-{subject.Replace(' ', '-')}@origin.test>\n\nHello through the chain.\nSecond line.\n";

    /// <summary>
    /// Sends the message to a Postfix whose one smtpd has the milter itself and another our relay to it; returns both
    /// deliveries as the next hop got them, without the Received: lines Postfix wrote (their queue ids and times differ).
    /// </summary>
    private static async Task<(string Direct, string Relayed)> DeliverBothWaysAsync(MilterProcess milter, string from, string message)
    {
        var external = new ExternalMilter(new ExternalMilterOptions { Name = "external", Address = milter.Address });
        Assert.True(await external.ProbeAsync());
        await using var relay = await RelayRig.ServeAsync(external, "inet:0@127.0.0.1");
        var relayPort = ((IPEndPoint)relay.Addresses[0].EndPoint).Port;
        await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{relayPort}", $"inet:127.0.0.1:{milter.Port}");

        async Task<string> DeliverAsync(int port)
        {
            await using var smtp = await SmtpTestClient.ConnectAsync(port);
            var answer = await smtp.SendAsync(from, ["rcpt@dest.test"], message);
            Assert.Equal(250, answer.Code);
            return WithoutPostfixReceived(await postfix.WaitForRawDeliveryAsync(postfix.QueueIdOf(answer)));
        }

        return (await DeliverAsync(postfix.OtherSmtpPort), await DeliverAsync(postfix.SmtpPort));
    }

    [Fact]
    public async Task OpenDKIM_as_an_external_part_signs_byte_for_byte_as_it_does_in_smtpd_milters()
    {
        if ((PostfixInstance.Unavailable() ?? OpenDkim.Unavailable()) is { } reason)
            Assert.Skip(reason);
        if (!File.Exists(MilterCluster.FakeTime))
            Assert.Skip("faketime is not installed (apt-get install faketime; ./test.sh does it as root)");
        var directory = Directory.CreateTempSubdirectory("milter-ext-dkim-").FullName;
        try
        {
            Assert.True(await MilterProcess.RunsAsync("/usr/sbin/opendkim-genkey", "-D", directory, "-d", "example.org", "-s", "test"));
            // A frozen clock: both signatures get the same t=, so the two deliveries can be compared whole.
            await using var opendkim = await OpenDkim.StartAsync(directory, "signer", $"""
                Domain example.org
                Selector test
                KeyFile {Path.Combine(directory, "test.private")}
                Mode s
                """, frozenClock: "2026-12-07 12:00:00");

            var (direct, relayed) = await DeliverBothWaysAsync(opendkim, "sender@example.org", Message("sender@example.org", "signed"));

            Assert.Contains("DKIM-Signature: v=1; a=rsa-sha256;", direct, StringComparison.Ordinal);
            Assert.Equal(direct, relayed);
            Assert.Equal("signatures=1 verified=True", await VerifyAsync(directory, relayed));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_pymilter_milter_as_an_external_part_delivers_byte_for_byte_what_it_does_in_smtpd_milters()
    {
        if ((PostfixInstance.Unavailable() ?? await Pymilter.UnavailableAsync()) is { } reason)
            Assert.Skip(reason);
        await using var pymilter = await Pymilter.StartAsync("stamp_milter.py");

        var (direct, relayed) = await DeliverBothWaysAsync(pymilter, "sender@origin.test", Message("sender@origin.test", "stamp me"));

        Assert.Contains("Subject: [py] stamp me\n", direct, StringComparison.Ordinal);
        Assert.Contains("X-Pymilter: stamped\n", direct, StringComparison.Ordinal);
        Assert.Equal(direct, relayed);
    }

    [Fact]
    public async Task A_pymilter_milter_as_an_external_part_delivers_behind_Sendmail_what_it_does_as_its_milter()
    {
        if ((SendmailInstance.Unavailable() ?? await Pymilter.UnavailableAsync()) is { } reason)
            Assert.Skip(reason);
        await using var pymilter = await Pymilter.StartAsync("stamp_milter.py");
        var external = new ExternalMilter(new ExternalMilterOptions { Name = "external", Address = pymilter.Address });
        Assert.True(await external.ProbeAsync());
        await using var relay = await RelayRig.ServeAsync(external, "inet:0@127.0.0.1");
        var message = Message("sender@origin.test", "stamp me");

        async Task<DeliveredMessage> DeliverAsync(int milterPort)
        {
            await using var sendmail = await SendmailInstance.StartAsync(milterPort);
            await using var smtp = await SmtpTestClient.ConnectAsync(sendmail.SmtpPort);
            var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], message);
            Assert.Equal(250, answer.Code);
            return await sendmail.WaitForDeliveryAsync(sendmail.QueueIdOf(answer));
        }

        var direct = await DeliverAsync(pymilter.Port);
        var relayed = await DeliverAsync(((IPEndPoint)relay.Addresses[0].EndPoint).Port);

        // Each instance's Received: names its own queue id and time; everything else must be the same.
        static IEnumerable<KeyValuePair<string, string>> Compared(DeliveredMessage m) => m.RawHeaders.Where(h => h.Key != "Received");
        Assert.Equal(["[py] stamp me"], direct.Values("Subject"));
        Assert.Equal("stamped", direct.Header("X-Pymilter"));
        Assert.Equal(Compared(direct), Compared(relayed));
        Assert.Equal(direct.Body, relayed.Body);
        Assert.Equal(direct.Sender, relayed.Sender);
        Assert.Equal(direct.Recipients, relayed.Recipients);
    }

    /// <summary>The message without the Received: fields (with their folded lines) that name Postfix's queue id.</summary>
    internal static string WithoutPostfixReceived(string message)
    {
        var lines = message.Split('\n').ToList();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines[i].StartsWith("Received:", StringComparison.Ordinal))
                continue;
            var end = i + 1;
            while (end < lines.Count && lines[end] is [' ' or '\t', ..])
                end++;
            if (string.Join('\n', lines[i..end]).Contains("(Postfix) with ESMTP id", StringComparison.Ordinal))
            {
                lines.RemoveRange(i, end - i);
                i--;
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>dkimpy's verdict on the message's one signature, with the key opendkim-genkey wrote.</summary>
    internal static async Task<string> VerifyAsync(string directory, string message)
    {
        var file = Path.Combine(directory, "delivered.eml");
        await File.WriteAllTextAsync(file, message);
        var info = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "milters", "dkim_verify.py"), file, Path.Combine(directory, "test.txt")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (output + error).Trim();
    }
}
