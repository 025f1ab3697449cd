using System.Text;
using Milter.Client;
using Milter.IntegrationTests.Support;
using Milter.Protocol;

namespace Milter.IntegrationTests;

/// <summary>Our MTA-side client against milters nobody here wrote: a pymilter milter (Debian python3-milter) and OpenDKIM.</summary>
public class ThirdPartyMilterTests
{
    private static MailMessage Message(string subject, string from = "sender@origin.test") => MailMessage.Parse(Encoding.ASCII.GetBytes(
        $"From: <{from}>\r\nTo: <rcpt@dest.test>\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <test-{Guid.NewGuid():N}@origin.test>\r\n\r\nHello.\r\nSecond line.\r\n"));

    private static async Task<MilterProcess> StartPymilterAsync()
    {
        if (await Pymilter.UnavailableAsync() is { } reason)
            Assert.Skip(reason);
        return await Pymilter.StartAsync("stamp_milter.py");
    }

    [Fact]
    public async Task A_pymilter_milter_stamps_tags_and_adds_a_recipient()
    {
        await using var milter = await StartPymilterAsync();
        await using var client = await MilterClient.ConnectAsync(milter.Address, MtaProfile.Postfix);

        var negotiated = await client.NegotiateAsync();
        var outcome = await client.SendMessageAsync(new Envelope("sender@origin.test", ["rcpt@dest.test"]), Message("hello"));

        // pymilter switches off the steps it does not implement and makes the @noreply header step no-reply.
        Assert.Equal(ProtocolFlags.NoConnect | ProtocolFlags.NoHelo | ProtocolFlags.NoBody, negotiated.Protocol & (ProtocolFlags.NoConnect | ProtocolFlags.NoHelo | ProtocolFlags.NoBody));
        Assert.Equal(ProtocolFlags.NoReplyHeader, negotiated.Protocol & ProtocolFlags.NoReplyHeader);
        Assert.Equal(MilterResponseCode.Accept, outcome.Verdict.Code);
        var delivered = outcome.Delivered!;
        Assert.Equal("stamped", delivered.Message.Header("X-Pymilter"));
        Assert.Equal(["[py] hello"], delivered.Message.Values("Subject"));
        Assert.Equal(["<rcpt@dest.test>", "<py-added@example.net>"], delivered.Recipients);
    }

    [Fact]
    public async Task A_pymilter_milter_rejects_with_its_reply_and_a_second_message_on_the_same_connection_works()
    {
        await using var milter = await StartPymilterAsync();
        await using var client = await MilterClient.ConnectAsync(milter.Address, MtaProfile.Postfix);

        var rejected = await client.SendMessageAsync(new Envelope("sender@origin.test", ["rcpt@dest.test"]), Message("please REJECTME"));
        var accepted = await client.SendMessageAsync(new Envelope("sender@origin.test", ["rcpt@dest.test"]), Message("fine"));

        Assert.True(rejected.Rejected);
        Assert.Equal(SmtpReply.Create(550, "5.7.1", "Rejected by pymilter"), Assert.IsType<ReplyCodeResponse>(rejected.Verdict).Reply);
        Assert.Equal(["[py] fine"], accepted.Delivered!.Message.Values("Subject"));
    }

    [Fact]
    public async Task OpenDKIM_signs_the_message_with_its_domain_and_selector()
    {
        if (!File.Exists("/usr/sbin/opendkim") || !File.Exists("/usr/sbin/opendkim-genkey"))
            Assert.Skip("OpenDKIM is not installed (apt-get install opendkim opendkim-tools; ./test.sh does it as root)");
        var directory = Directory.CreateTempSubdirectory("milter-dkim-").FullName;
        try
        {
            Assert.True(await MilterProcess.RunsAsync("/usr/sbin/opendkim-genkey", "-D", directory, "-d", "example.org", "-s", "test"));
            var port = FreePorts.One();
            var config = Path.Combine(directory, "opendkim.conf");
            await File.WriteAllTextAsync(config, $"""
                Syslog no
                Socket inet:{port}@127.0.0.1
                Domain example.org
                Selector test
                KeyFile {Path.Combine(directory, "test.private")}
                Mode s
                RequireSafeKeys false
                PidFile {Path.Combine(directory, "opendkim.pid")}
                """);
            await using var milter = await MilterProcess.StartAsync(port, "/usr/sbin/opendkim", "-f", "-x", config);
            await using var client = await MilterClient.ConnectAsync(milter.Address, MtaProfile.Postfix);

            var envelope = new Envelope("sender@example.org", ["rcpt@dest.test"])
            {
                Macros = new Dictionary<char, IReadOnlyDictionary<string, string>>
                {
                    ['C'] = new Dictionary<string, string> { ["j"] = "mta.example.org" },
                    ['E'] = new Dictionary<string, string> { ["i"] = "4ABCDEF" },
                },
            };
            var outcome = await client.SendMessageAsync(envelope, Message("signed", from: "sender@example.org"));

            Assert.True(outcome.Accepted, outcome.Verdict.ToString());
            var signature = outcome.Delivered!.Message.Header("DKIM-Signature");
            Assert.NotNull(signature);
            Assert.Contains("d=example.org", signature, StringComparison.Ordinal);
            Assert.Contains("s=test", signature, StringComparison.Ordinal);
            Assert.Contains(outcome.Actions, a => a is InsertHeaderResponse { Name: "DKIM-Signature" } or AddHeaderResponse { Name: "DKIM-Signature" });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
