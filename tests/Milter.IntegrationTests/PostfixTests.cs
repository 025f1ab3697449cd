using System.Diagnostics;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.IntegrationTests;

/// <summary>Starts our milter and a private Postfix that uses it, once for all the Postfix tests.</summary>
public sealed class PostfixFixture : IAsyncLifetime
{
    private MilterServer? _milter;

    internal PostfixInstance? Postfix { get; private set; }

    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        SkipReason = PostfixInstance.Unavailable();
        if (SkipReason is not null)
            return;
        _milter = new MilterServer(MilterFilter.Factory<ScenarioMilter>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await _milter.StartAsync();
        var port = ((System.Net.IPEndPoint)_milter.Addresses[0].EndPoint).Port;
        Postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Postfix is not null)
            await Postfix.DisposeAsync();
        if (_milter is not null)
            await _milter.DisposeAsync();
    }
}

/// <summary>Mail sent over SMTP to a real Postfix with our milter in smtpd_milters; checked on what Postfix delivered.</summary>
public sealed class PostfixTests(PostfixFixture fixture) : IClassFixture<PostfixFixture>
{
    private PostfixInstance Postfix
    {
        get
        {
            if (fixture.SkipReason is not null)
                Assert.Skip(fixture.SkipReason);
            return fixture.Postfix!;
        }
    }

    private static string Message(string scenario, string subject = "Integration test", string extraHeaders = "", string body = "Hello from the test.\n") =>
        $"From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: {subject}\n{extraHeaders}X-Case: {scenario}\n\n{body}";

    private async Task<DeliveredMessage> DeliverAsync(string scenario, string[]? recipients = null, string? message = null)
    {
        var postfix = Postfix;
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", recipients ?? ["rcpt@dest.test"], message ?? Message(scenario));
        Assert.Equal(250, answer.Code);
        return await postfix.WaitForDeliveryAsync(PostfixInstance.QueueIdOf(answer));
    }

    [Fact]
    public async Task A_header_is_added()
    {
        var delivered = await DeliverAsync("add-header");
        Assert.Equal("added by the milter", delivered.Header("X-Added"));
        Assert.Equal("X-Added", delivered.Headers[^1].Key);
    }

    [Fact]
    public async Task A_header_is_changed()
    {
        var delivered = await DeliverAsync("change-header");
        Assert.Equal(["changed by the milter"], delivered.Values("Subject"));
    }

    [Fact]
    public async Task A_header_is_inserted_at_index_0_above_Postfix_own_Received()
    {
        var delivered = await DeliverAsync("insert-header");
        Assert.Equal(new KeyValuePair<string, string>("X-Inserted", "at the very top"), delivered.Headers[0]);
        Assert.Equal("Received", delivered.Headers[1].Key);
    }

    [Fact]
    public async Task A_header_is_deleted()
    {
        var delivered = await DeliverAsync("delete-header", message: Message("delete-header", extraHeaders: "X-Remove-Me: secret\nX-Keep-Me: kept\n"));
        Assert.Empty(delivered.Values("X-Remove-Me"));
        Assert.Equal("kept", delivered.Header("X-Keep-Me"));
    }

    [Fact]
    public async Task The_sender_is_changed()
    {
        var delivered = await DeliverAsync("change-sender");
        Assert.Equal("<new-sender@origin.test>", delivered.Sender);
    }

    [Fact]
    public async Task A_recipient_is_added_and_one_is_deleted()
    {
        var delivered = await DeliverAsync("recipients", ["rcpt@dest.test", "removed@dest.test"]);
        Assert.Equal(["<added@dest.test>", "<rcpt@dest.test>"], delivered.Recipients.Order());
    }

    [Fact]
    public async Task The_body_is_replaced_with_more_than_64_KiB()
    {
        var delivered = await DeliverAsync("replace-body");
        Assert.True(ScenarioMilter.ReplacementBody.Length > 65535);
        Assert.Equal(ScenarioMilter.ReplacementBody.Replace("\r\n", "\n", StringComparison.Ordinal), delivered.Body);
    }

    [Fact]
    public async Task A_reject_reaches_the_SMTP_client_with_the_custom_multi_line_reply()
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(Postfix.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("reject"));

        Assert.Equal(554, answer.Code);
        Assert.Equal(["5.7.1 Rejected by the test milter", "5.7.1 Second line of the reply, 100% sure"], answer.Lines);
    }

    [Fact]
    public async Task A_tempfail_reaches_the_SMTP_client()
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(Postfix.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("tempfail"));

        Assert.Equal(451, answer.Code);
        Assert.StartsWith("4.7.1", answer.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_discarded_message_is_accepted_and_never_delivered()
    {
        var postfix = Postfix;
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("discard"));

        Assert.Equal(250, answer.Code);
        var queueId = PostfixInstance.QueueIdOf(answer);
        await postfix.WaitForLogAsync(queueId, "milter-discard");
        Assert.DoesNotContain($"{queueId}: to=", postfix.MailLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quarantined_message_lands_in_the_hold_queue()
    {
        var postfix = Postfix;
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("quarantine"));

        Assert.Equal(250, answer.Code);
        var queueId = PostfixInstance.QueueIdOf(answer);
        // Postfix logs the hold, not the milter's reason text.
        await postfix.WaitForLogAsync(queueId, "milter-hold: END-OF-MESSAGE");
        var queue = await postfix.QueueListingAsync();
        Assert.Contains($"\"queue_id\": \"{queueId}\"", queue, StringComparison.Ordinal);
        Assert.Contains("\"queue_name\": \"hold\"", queue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_messages_on_one_SMTP_connection_each_get_their_own_verdict()
    {
        var postfix = Postfix;
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
        var first = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("add-header"));
        var second = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("reject"));
        var third = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("plain"));

        Assert.Equal([250, 554, 250], [first.Code, second.Code, third.Code]);
        Assert.Equal("added by the milter", (await postfix.WaitForDeliveryAsync(PostfixInstance.QueueIdOf(first))).Header("X-Added"));
        var last = await postfix.WaitForDeliveryAsync(PostfixInstance.QueueIdOf(third));
        Assert.Equal("passed", last.Header("X-Stamp"));
        Assert.Empty(last.Values("X-Added"));
    }

    [Fact]
    public async Task The_milter_adds_no_delayed_ACK_stall_per_message()
    {
        // Milters that write each action as its own small packet stall ~40 ms per message against Postfix's
        // delayed ACKs. Compare the time per message through the milter with the same Postfix without it.
        var postfix = Postfix;
        const int Messages = 15;
        var withMilter = await TimeMessagesAsync(postfix.SmtpPort, Messages);
        var without = await TimeMessagesAsync(postfix.PlainSmtpPort, Messages);

        var extra = Median(withMilter) - Median(without);
        TestContext.Current.SendDiagnosticMessage($"median per message: with milter {Median(withMilter):F1} ms, without {Median(without):F1} ms");
        Assert.True(extra < 25, $"The milter adds {extra:F1} ms per message (with {Median(withMilter):F1} ms, without {Median(without):F1} ms).");
    }

    private static async Task<List<double>> TimeMessagesAsync(int port, int count)
    {
        var times = new List<double>();
        await using var smtp = await SmtpTestClient.ConnectAsync(port);
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("add-header", extraHeaders: "X-Timing: yes\n"));
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.Equal(250, answer.Code);
        }

        return times;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
