using System.Net;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.IntegrationTests;

/// <summary>
/// Postfix is the oracle of a pipeline's rules: the same messages sent through <c>smtpd_milters = A, B</c> (two sockets of our
/// own server) and through one socket serving <c>MilterPipeline(A, B)</c> get the same SMTP answers and are delivered byte for
/// byte the same (after Postfix's own Received:, which names the queue id).
/// </summary>
public sealed class PipelineOracleTests
{
    private static string Message(string scenario, int n) =>
        $"Received: from relay.origin.test by mx.origin.test; Mon, 7 Dec 2026 10:00:0{n} +0000\nFrom: <sender@origin.test>\nTo: <rcpt@dest.test>\n"
        + $"Subject: oracle {scenario}\nDate: Mon, 7 Dec 2026 10:00:0{n} +0000\nMessage-ID: <oracle-{scenario}-{n}@origin.test>\n"
        + "X-Note: first\nX-Drop: gone\nX-Note: second\n"
        + $"X-Case: {scenario}\n\nBody of {scenario}.\n";

    public static TheoryData<string> Scenarios => ["plain", "trusted", "spam"];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Two_milters_in_smtpd_milters_and_their_pipeline_on_one_socket_deliver_the_same_bytes(string scenario)
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        await using var policy = await StartAsync(MilterHandlerFactory.For<OraclePolicyMilter>());
        await using var stamp = await StartAsync(MilterHandlerFactory.For<OracleStampMilter>());
        await using var pipeline = await StartAsync(MilterPipeline.Create("oracle").Add<OraclePolicyMilter>().Add<OracleStampMilter>().Build());
        await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{Port(policy)} inet:127.0.0.1:{Port(stamp)}", $"inet:127.0.0.1:{Port(pipeline)}");

        var chained = await SendAsync(postfix, postfix.SmtpPort, scenario, 1);
        var composed = await SendAsync(postfix, postfix.OtherSmtpPort, scenario, 1);

        Assert.Equal(chained.Answers, composed.Answers);
        Assert.Equal(chained.Delivered, composed.Delivered);
        if (scenario == "spam")
        {
            Assert.Null(composed.Delivered);
            return;
        }

        var delivered = composed.Delivered!;
        Assert.Contains("X-Stamp: second below the first\n", delivered, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Drop", delivered, StringComparison.Ordinal);
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

    private static async Task<(string Answers, string? Delivered)> SendAsync(PostfixInstance postfix, int port, string scenario, int n)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(port);
        List<string> answers = [];
        answers.Add((await smtp.CommandAsync("MAIL FROM:<sender@origin.test>")).ToString());
        foreach (var recipient in new[] { "rcpt@dest.test", "blocked@dest.test", "cc@dest.test" })
            answers.Add((await smtp.CommandAsync($"RCPT TO:<{recipient}>")).ToString());
        answers.Add((await smtp.CommandAsync("DATA")).ToString());
        var answer = await smtp.SendDataAsync(Message(scenario, n));
        if (answer.Code != 250)
        {
            answers.Add(answer.ToString());
            return (string.Join("\n", answers), null);
        }

        var queueId = postfix.QueueIdOf(answer);
        var raw = await postfix.WaitForRawDeliveryAsync(queueId);
        answers.Add("250 delivered to " + string.Join(", ", (await postfix.WaitForDeliveryAsync(queueId)).Recipients.Order(StringComparer.Ordinal)));
        return (string.Join("\n", answers), WithoutPostfixReceived(raw));
    }

    // Postfix's own Received: (the first header, folded) names the queue id and the time: the one part that must differ.
    private static string WithoutPostfixReceived(string delivered)
    {
        var lines = delivered.Split('\n');
        Assert.StartsWith("Received: from ", lines[0], StringComparison.Ordinal);
        var next = 1;
        while (lines[next].StartsWith('\t') || lines[next].StartsWith(' '))
            next++;
        return string.Join('\n', lines[next..]);
    }
}
