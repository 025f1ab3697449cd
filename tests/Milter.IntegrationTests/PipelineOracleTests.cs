using System.Net;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.IntegrationTests;

/// <summary>
/// The MTA is the oracle of a pipeline's rules: the same messages sent through <c>smtpd_milters = A, B</c> (Postfix) or
/// <c>INPUT_MAIL_FILTER</c> A and B (Sendmail), two sockets of our own server, and through one socket serving
/// <c>MilterPipeline(A, B)</c> get the same SMTP answers, reach the same recipients and are delivered byte for byte the same
/// (after the MTA's own Received:, which names the queue id).
/// </summary>
public sealed class PipelineOracleTests
{
    private static string Message(string scenario) =>
        $"Received: from relay.origin.test by mx.origin.test; Mon, 7 Dec 2026 10:00:01 +0000\nFrom: <sender@origin.test>\nTo: <rcpt@dest.test>\n"
        + $"Subject: oracle {scenario}\nDate: Mon, 7 Dec 2026 10:00:01 +0000\nMessage-ID: <oracle-{scenario}@origin.test>\n"
        + "X-Note: first\nX-Drop: gone\nX-Note: second\n"
        + $"X-Case: {scenario}\n\nBody of {scenario}.\n";

    public static TheoryData<string, string> Cases => new()
    {
        { "postfix", "plain" }, { "postfix", "trusted" }, { "postfix", "spam" },
        { "sendmail", "plain" }, { "sendmail", "trusted" }, { "sendmail", "spam" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Two_milters_in_the_MTA_chain_and_their_pipeline_on_one_socket_deliver_the_same_bytes(string mta, string scenario)
    {
        if ((mta == "postfix" ? PostfixInstance.Unavailable() : SendmailInstance.Unavailable()) is { } reason)
            Assert.Skip(reason);
        await using var policy = await StartAsync(MilterHandlerFactory.For<OraclePolicyMilter>());
        await using var stamp = await StartAsync(MilterHandlerFactory.For<OracleStampMilter>());
        await using var pipeline = await StartAsync(MilterPipeline.Create("oracle").Add<OraclePolicyMilter>().Add<OracleStampMilter>().Build());
        MtaInstance chainedMta, composedMta;
        int chainedPort, composedPort;
        if (mta == "postfix")
        {
            var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{Port(policy)} inet:127.0.0.1:{Port(stamp)}", $"inet:127.0.0.1:{Port(pipeline)}");
            (chainedMta, chainedPort, composedMta, composedPort) = (postfix, postfix.SmtpPort, postfix, postfix.OtherSmtpPort);
        }
        else
        {
            chainedMta = await SendmailInstance.StartAsync(Port(policy), Port(stamp));
            composedMta = await SendmailInstance.StartAsync(Port(pipeline));
            (chainedPort, composedPort) = (chainedMta.SmtpPort, composedMta.SmtpPort);
        }

        await using var chainedOwner = chainedMta;
        await using var composedOwner = composedMta == chainedMta ? null : composedMta;
        var chained = await SendAsync(chainedMta, chainedPort, scenario);
        var composed = await SendAsync(composedMta, composedPort, scenario);

        Assert.Equal(chained.Answers, composed.Answers);
        if (mta == "sendmail" && scenario == "plain")
        {
            // Sendmail keeps a deleted header in its list, and the second milter of its chain, not knowing the first deleted
            // X-Note 1, changes that one: Sendmail revives it. The pipeline keeps the one meaning (Postfix's): the stamp's X-Note 1
            // is the first X-Note the policy left.
            Assert.Equal(chained.Delivered, composed.Delivered!.Replace("X-Note: stamped\n", "X-Note: stamped\nX-Note: second\n", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(chained.Delivered, composed.Delivered);
        }

        if (scenario == "spam")
        {
            Assert.Null(composed.Delivered);
            return;
        }

        var delivered = composed.Delivered!;
        Assert.Contains("X-Stamp: second below the first\n", delivered, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Drop", delivered, StringComparison.Ordinal);
        Assert.Contains(scenario == "plain" ? "X-Note: stamped\nX-Case" : "X-Note: stamped\nX-Note: second\n", delivered, StringComparison.Ordinal);
        Assert.Equal(scenario == "plain", delivered.Contains("X-Policy: checked\n", StringComparison.Ordinal));
        // The policy refused "blocked" and, unless it accepted early, added "archive"; the stamp removed "cc".
        Assert.EndsWith(scenario == "plain" ? "delivered to <archive@dest.test>, <rcpt@dest.test>" : "delivered to <rcpt@dest.test>", composed.Answers, StringComparison.Ordinal);
    }

    private static async Task<MilterServer> StartAsync(IMilterHandlerFactory factory)
    {
        var server = new MilterServer(factory, new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await server.StartAsync();
        return server;
    }

    private static int Port(MilterServer server) => ((IPEndPoint)server.Addresses[0].EndPoint).Port;

    private static async Task<(string Answers, string? Delivered)> SendAsync(MtaInstance mta, int port, string scenario)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(port);
        List<string> answers = [];
        answers.Add(Code(await smtp.CommandAsync("MAIL FROM:<sender@origin.test>")));
        foreach (var recipient in new[] { "rcpt@dest.test", "blocked@dest.test", "cc@dest.test" })
            answers.Add(Code(await smtp.CommandAsync($"RCPT TO:<{recipient}>")));
        answers.Add(Code(await smtp.CommandAsync("DATA")));
        var answer = await smtp.SendDataAsync(Message(scenario));
        if (answer.Code != 250)
        {
            answers.Add(answer.ToString());
            return (string.Join("\n", answers), null);
        }

        var delivered = await mta.WaitForDeliveryAsync(mta.QueueIdOf(answer));
        answers.Add("250 delivered to " + string.Join(", ", delivered.Recipients.Select(r => $"<{r.Trim('<', '>')}>").Order(StringComparer.Ordinal)));
        return (string.Join("\n", answers), WithoutMtaReceived(delivered));
    }

    // The MTA's wording differs between its instances only where it names them (queue id, time); a refusal's text is the milter's.
    private static string Code(SmtpAnswer answer) => answer.Code >= 400 ? answer.ToString() : answer.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // The message as delivered, header by header as on the wire, without the MTA's own Received: (the first header), which
    // names the queue id and the time: the one part that must differ.
    private static string WithoutMtaReceived(Support.DeliveredMessage delivered)
    {
        Assert.Equal("Received", delivered.RawHeaders[0].Key);
        return string.Concat(delivered.RawHeaders.Skip(1).Select(h => $"{h.Key}:{h.Value}\n")) + "\n" + delivered.Body;
    }
}
