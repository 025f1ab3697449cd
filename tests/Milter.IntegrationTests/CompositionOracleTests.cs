using System.Net;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.IntegrationTests;

/// <summary>
/// The MTA is the oracle of a composition with an external part: the same message delivered through
/// <c>smtpd_milters = &lt;local policy&gt;, &lt;external milter&gt;</c> (Postfix; two <c>INPUT_MAIL_FILTER</c>s behind
/// Sendmail) and through one socket serving <c>MilterPipeline(local policy, ExternalMilter(external milter))</c> is
/// delivered byte for byte the same (after the MTA's own Received:), for OpenDKIM signing (on a frozen clock, so both
/// signatures carry one t=) and for a pymilter milter, in both orders. The local part changes the Subject and adds a
/// Reply-To, so the order decides what the external milter signs or stamps.
/// </summary>
public sealed class CompositionOracleTests
{
    private const string FakeTime = "/usr/bin/faketime";

    private static readonly string Message =
        "From: <sender@example.org>\nTo: <rcpt@dest.test>\nSubject: composed\nDate: Mon, 07 Dec 2026 12:00:00 +0000\n"
        + "Message-ID: <composed@example.org>\n\nHello through the composition.\nSecond line.\n";

    public static TheoryData<string, string> Cases => new()
    {
        { "postfix", "opendkim" }, { "postfix", "pymilter" }, { "sendmail", "opendkim" }, { "sendmail", "pymilter" },
    };

    /// <summary>
    /// The external milter first: it sees the message as the client sent it in the chain and in the pipeline alike, and the
    /// local part's changes apply after its own.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_external_milter_then_a_local_part_on_one_socket_deliver_what_the_two_in_the_MTA_chain_deliver(string mta, string external)
    {
        if (await UnavailableAsync(mta, external) is { } reason)
            Assert.Skip(reason);
        var directory = Directory.CreateTempSubdirectory("milter-composed-").FullName;
        try
        {
            var (chained, composed) = await DeliverBothWaysAsync(mta, external, directory, externalFirst: true);

            Assert.Equal(chained, composed);
            Assert.Contains("Subject: [policy] checked\n", composed, StringComparison.Ordinal);
            Assert.Contains("X-Policy: checked\n", composed, StringComparison.Ordinal);
            Assert.Contains(external == "opendkim" ? "DKIM-Signature: v=1;" : "X-Pymilter: stamped\n", composed, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The local part first, changing what the external milter then reads: in the MTA chain the second milter is shown the
    /// headers as the first left them (OpenDKIM signs the new Subject and the added Reply-To; the pymilter milter tags the new
    /// Subject), and the pipeline must show its later parts the same.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_local_part_then_an_external_milter_on_one_socket_deliver_what_the_two_in_the_MTA_chain_deliver(string mta, string external)
    {
        if (await UnavailableAsync(mta, external) is { } reason)
            Assert.Skip(reason);
        var directory = Directory.CreateTempSubdirectory("milter-composed-").FullName;
        try
        {
            var (chained, composed) = await DeliverBothWaysAsync(mta, external, directory, externalFirst: false);

            Assert.Equal(chained, composed);
            if (external == "opendkim")
            {
                // OpenDKIM signed the Subject and the Reply-To the policy left: the order of the chain, kept by the pipeline.
                Assert.Contains("Subject: [policy] checked\n", composed, StringComparison.Ordinal);
                // OpenDKIM folds its tags: h= starts a line of its own.
                Assert.Matches(@"DKIM-Signature:[^;]*(;[^;]*)*;\s+h=[^;]*Subject", composed);
                Assert.Matches(@"DKIM-Signature:[^;]*(;[^;]*)*;\s+h=[^;]*Reply-To", composed);
                Assert.Equal("signatures=1 verified=True", await ExternalMilterOracleTests.VerifyAsync(directory, composed));
            }
            else
            {
                Assert.Contains("X-Pymilter: stamped\n", composed, StringComparison.Ordinal);
                Assert.Contains("X-Policy: checked\n", composed, StringComparison.Ordinal);
                Assert.Contains("Subject: [py] [policy] checked\n", composed, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string?> UnavailableAsync(string mta, string external) =>
        (mta == "postfix" ? PostfixInstance.Unavailable() : SendmailInstance.Unavailable())
        ?? (external == "opendkim" ? OpenDkimUnavailable() : await Pymilter.UnavailableAsync());

    /// <summary>
    /// The same messages through the MTA's chain of the external milter and the local policy (two sockets, in the order
    /// given) and through one socket serving them as a pipeline in that order.
    /// </summary>
    private static async Task<(string Chained, string Composed)> DeliverBothWaysAsync(string mta, string external, string directory, bool externalFirst)
    {
        await using var milter = external == "opendkim" ? await StartFrozenOpenDkimAsync(directory) : await Pymilter.StartAsync("stamp_milter.py");
        await using var policy = await ServeAsync(MilterHandlerFactory.For<SigningPolicyMilter>());
        var part = new ExternalMilter(new ExternalMilterOptions { Name = external, Address = milter.Address });
        Assert.True(await part.ProbeAsync());
        var pipeline = MilterPipeline.Create("composed");
        pipeline = externalFirst ? pipeline.Add(part).Add<SigningPolicyMilter>() : pipeline.Add<SigningPolicyMilter>().Add(part);
        await using var composedServer = await ServeAsync(pipeline.Build());

        var (first, second) = externalFirst ? (milter.Port, Port(policy)) : (Port(policy), milter.Port);
        return mta == "postfix"
            ? await DeliverThroughPostfixAsync(first, second, Port(composedServer))
            : await DeliverThroughSendmailAsync(first, second, Port(composedServer));
    }

    private static string? OpenDkimUnavailable() =>
        OpenDkim.Unavailable() ?? (File.Exists(FakeTime) ? null : "faketime is not installed (apt-get install faketime; ./test.sh does it as root)");

    /// <summary>OpenDKIM signing for example.org on a frozen clock, with its key in <paramref name="directory"/> (test.txt for dkimpy).</summary>
    private static async Task<MilterProcess> StartFrozenOpenDkimAsync(string directory)
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
        // -f: a clock that stands still (without it, faketime starts the clock there and lets it run: t= could differ by a second).
        return await MilterProcess.StartAsync("127.0.0.1", port, FakeTime, ["-f", "2026-12-07 12:00:00", OpenDkim.Daemon, "-f", "-x", config]);
    }

    private static async Task<MilterServer> ServeAsync(IMilterHandlerFactory factory)
    {
        var server = new MilterServer(factory, new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await server.StartAsync();
        return server;
    }

    private static int Port(MilterServer server) => ((IPEndPoint)server.Addresses[0].EndPoint).Port;

    /// <summary>One Postfix: its first smtpd chains the two milters in that order, its other one has the pipeline; raw deliveries without Postfix's Received:.</summary>
    private static async Task<(string Chained, string Composed)> DeliverThroughPostfixAsync(int firstPort, int secondPort, int pipelinePort)
    {
        await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{firstPort}, inet:127.0.0.1:{secondPort}", $"inet:127.0.0.1:{pipelinePort}");

        async Task<string> DeliverAsync(int port)
        {
            await using var smtp = await SmtpTestClient.ConnectAsync(port);
            var answer = await smtp.SendAsync("sender@example.org", ["rcpt@dest.test"], Message);
            Assert.Equal(250, answer.Code);
            return ExternalMilterOracleTests.WithoutPostfixReceived(await postfix.WaitForRawDeliveryAsync(postfix.QueueIdOf(answer)));
        }

        return (await DeliverAsync(postfix.SmtpPort), await DeliverAsync(postfix.OtherSmtpPort));
    }

    /// <summary>
    /// Two Sendmails, one with the two milters in that order, one with the pipeline: the deliveries as on the wire without Sendmail's
    /// Received:, which must reach the same recipients.
    /// </summary>
    private static async Task<(string Chained, string Composed)> DeliverThroughSendmailAsync(int firstPort, int secondPort, int pipelinePort)
    {
        static async Task<DeliveredMessage> DeliverAsync(params int[] milterPorts)
        {
            await using var sendmail = await SendmailInstance.StartAsync(milterPorts);
            await using var smtp = await SmtpTestClient.ConnectAsync(sendmail.SmtpPort);
            var answer = await smtp.SendAsync("sender@example.org", ["rcpt@dest.test"], Message);
            Assert.Equal(250, answer.Code);
            return await sendmail.WaitForDeliveryAsync(sendmail.QueueIdOf(answer));
        }

        static string Text(DeliveredMessage m) => string.Concat(m.RawHeaders.Where(h => h.Key != "Received").Select(h => $"{h.Key}:{h.Value}\n")) + "\n" + m.Body;
        var chained = await DeliverAsync(firstPort, secondPort);
        var composed = await DeliverAsync(pipelinePort);
        Assert.Equal(chained.Recipients.Order(StringComparer.Ordinal), composed.Recipients.Order(StringComparer.Ordinal));
        return (Text(chained), Text(composed));
    }
}
