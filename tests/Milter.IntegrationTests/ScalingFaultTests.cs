using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// Faults under load, with real parts: an instance killed, Redis restarted, Redis unreachable. The sending Postfix
/// keeps what was deferred and retries it, so every message ends delivered once or still queued, and never past the
/// limit. Skipped, with the reason, where Postfix, redis-server or haproxy cannot run.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public sealed partial class ScalingFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_instance_killed_and_Redis_restarted_under_load_lose_no_message_and_let_none_past_the_limit()
    {
        if (MilterCluster.Unavailable() is { } reason)
            Assert.Skip(reason);
        const int Messages = 50, Limit = 40;
        await using var cluster = await MilterCluster.StartAsync("RateLimit", "--RateLimit:MessagesPerClient", $"{Limit}");
        await using var mail = await RelayedMail.StartAsync(cluster.PostfixMilter);

        var submitting = mail.SubmitAsync(1, Messages);
        await Eventually.TrueAsync(async () => (await mail.DeliveredAsync()).Count >= 10, Patience, mail.DescribeAsync);
        await cluster.Instances[1].KillAsync();
        await Eventually.TrueAsync(async () => (await mail.DeliveredAsync()).Count >= 20, Patience, mail.DescribeAsync);
        await cluster.Redis.RestartAsync();
        await submitting;

        // Settled: what is not delivered waits in the sending queue, deferred by the limit and nothing else. A message
        // deferred while Redis restarted is retried at once (a queue scan that found it still being delivered can leave
        // it far past the harness's backoff; seen once in CI under load).
        var lastFlush = DateTime.UtcNow;
        await Eventually.TrueAsync(async () =>
        {
            var queued = await mail.Sender.QueuedAsync();
            var settled = queued.All(q => q.Reasons.All(r => r.Contains("451 4.7.1 Rate limit", StringComparison.Ordinal)));
            if (!settled && DateTime.UtcNow - lastFlush > TimeSpan.FromSeconds(5))
            {
                await mail.Sender.FlushQueueAsync();
                lastFlush = DateTime.UtcNow;
            }

            return settled && (await mail.DeliveredAsync()).Count + queued.Count == Messages;
        }, Patience, mail.DescribeAsync);

        var delivered = await mail.DeliveredAsync();
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        // A message counted by an instance that then died is counted again when retried: at most the limit, a few fewer at worst.
        Assert.InRange(delivered.Count, Limit - 5, Limit);
        var queuedSubjects = (await mail.Sender.QueuedAsync()).Count;
        Assert.Equal(Messages - delivered.Count, queuedSubjects);
        await cluster.Balancer.WaitForStatesAsync(("m1", "UP"), ("m2", "DOWN"), ("m3", "UP"));
        // For docs/scaling.md: what the faults cost, as the sending Postfix saw it.
        output.WriteLine($"{delivered.Count} delivered, {queuedSubjects} queued; deferrals by answer: "
            + string.Join(", ", Deferrals().Matches(mail.Sender.MailLog).GroupBy(m => m.Groups[1].Value).Select(g => $"{g.Count()} × {g.Key}")));
    }

    [Theory]
    [InlineData("Tempfail")]
    [InlineData("Continue")]
    public async Task With_Redis_unreachable_mail_is_deferred_until_it_answers_or_let_through_when_configured(string whenUnavailable)
    {
        if (MilterCluster.Unavailable() is { } reason)
            Assert.Skip(reason);
        await using var cluster = await MilterCluster.StartAsync("RateLimit", "--Milter:Store:WhenUnavailable", whenUnavailable);
        await using var mail = await RelayedMail.StartAsync(cluster.PostfixMilter);

        cluster.Redis.Freeze();
        await mail.SubmitAsync(1, 3);
        if (whenUnavailable == "Tempfail")
        {
            // Each message deferred at least once for the store: the sending Postfix logs the answer it got.
            await Eventually.TrueAsync(() => Task.FromResult(StoreDeferrals().Matches(mail.Sender.MailLog).Select(m => m.Groups[1].Value).Distinct().Count() == 3),
                Patience, async () => await mail.DescribeAsync() + "\n" + string.Join("\n", cluster.Logs().Select(l => $"{l.Key}:\n{l.Value}")));
            Assert.Empty(await mail.DeliveredAsync());
            // Only the store's answer: no message got the session's generic tempfail for an exception the store let out.
            Assert.All(Deferrals().Matches(mail.Sender.MailLog), m => Assert.StartsWith("451 4.3.0 Policy store unavailable", m.Groups[1].Value, StringComparison.Ordinal));
            cluster.Redis.Thaw();
        }
        else
        {
            await Eventually.TrueAsync(async () => (await mail.DeliveredAsync()).Count == 3, Patience, mail.DescribeAsync);
            cluster.Redis.Thaw();
            Assert.Contains(cluster.Logs().Values, log => log.Contains("unavailable", StringComparison.Ordinal) && log.Contains("answering Continue", StringComparison.Ordinal));
        }

        // The store answers again: what is deferred is retried now, not at a backoff the first deferral's race may have set.
        await mail.Sender.FlushQueueAsync();
        await Eventually.TrueAsync(async () => (await mail.DeliveredAsync()).Count == 3 && (await mail.Sender.QueuedAsync()).Count == 0, Patience, mail.DescribeAsync);
        Assert.Equal(["message 1", "message 2", "message 3"], (await mail.DeliveredAsync()).Order());
        // The outage in a few one-line warnings: no stack trace, in no instance's log.
        Assert.All(cluster.Logs().Values, log => Assert.DoesNotContain("   at ", log, StringComparison.Ordinal));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@" (\w+): to=<[^>]*>.* status=deferred \(host [^ ]+ said: 451 4\.3\.0 Policy store unavailable")]
    private static partial System.Text.RegularExpressions.Regex StoreDeferrals();

    [System.Text.RegularExpressions.GeneratedRegex(@"status=deferred \((?:host [^ ]+ said: )?(\d{3} [245]\.\d+\.\d+ [A-Za-z ]+)")]
    private static partial System.Text.RegularExpressions.Regex Deferrals();
}
