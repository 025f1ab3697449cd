using Milter.Client;
using Milter.IntegrationTests.Support;
using Milter.Protocol;

namespace Milter.IntegrationTests;

/// <summary>
/// Several NativeAOT instances of the Greylist and RateLimit samples sharing a real Redis behind HAProxy, driven by a
/// real Postfix: a decision does not depend on the instance a message lands on. Skipped, with the reason, where
/// Postfix, redis-server or haproxy cannot run.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public sealed partial class ScalingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    /// <summary>Checks that <paramref name="sample"/> published without a warning, then starts its cluster; skipped where it cannot run.</summary>
    private static async Task<MilterCluster> StartClusterAsync(string sample, params string[] settings)
    {
        var (_, log) = await Published.SampleAsync(sample);
        Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
        if (MilterCluster.Unavailable() is { } reason)
            Assert.Skip(reason);
        return await MilterCluster.StartAsync(sample, settings);
    }

    [Fact]
    public async Task The_greylist_samples_publish_without_warnings_and_count_one_first_attempt_whichever_instance_is_asked()
    {
        await using var cluster = await StartClusterAsync("Greylist", "--Greylist:Delay", "00:00:02");
        var envelope = new Envelope("a@example.org", ["b@example.net"]) { ClientAddress = "192.0.2.7" };

        var first = await SendDirectAsync(cluster.Instances[0], envelope);
        Assert.Equal("Greylisted, please try again in 2 seconds", Assert.Single(Assert.IsType<ReplyCodeResponse>(first.Verdict).Reply.Lines));
        Assert.True((await SendDirectAsync(cluster.Instances[1], envelope)).Tempfailed);
        await Task.Delay(TimeSpan.FromSeconds(2.1));
        // The third instance never saw the triplet: it passes it on the first instance's attempt.
        Assert.True((await SendDirectAsync(cluster.Instances[2], envelope)).Accepted);
        Assert.True((await SendDirectAsync(cluster.Instances[0], envelope)).Accepted);
    }

    [Fact]
    public async Task A_greylisted_message_retried_by_Postfix_through_HAProxy_passes_on_another_instance_after_the_delay()
    {
        await using var cluster = await StartClusterAsync("Greylist", "--Greylist:Delay", "00:00:03");
        await using var mail = await RelayedMail.StartAsync(cluster.PostfixMilter);

        await mail.SubmitAsync(1, 1, "first@dest.test");
        await mail.SubmitAsync(2, 1, "second@dest.test");
        // Once both first attempts are greylisted, the instances that saw them leave the balancer (maintenance, as an
        // operator would do it): the retries, a second or more later, land on an instance that never saw the triplet.
        await Eventually.TrueAsync(() => Task.FromResult(cluster.Logs().Values.Sum(l => FirstAttempts().Count(l)) == 2), Patience, mail.DescribeAsync);
        foreach (var instance in cluster.Logs().Where(l => FirstAttempts().IsMatch(l.Value)).Select(l => l.Key))
            await cluster.Balancer.DisableAsync(instance);
        await Eventually.TrueAsync(async () => (await mail.DeliveredAsync()).Count == 2, Patience, mail.DescribeAsync);

        Assert.Equal(["message 1", "message 2"], (await mail.DeliveredAsync()).Order());
        Assert.Matches("451 4.7.1 Greylisted, please try again in [1-3] seconds", mail.Receiver.MailLog);
        var logs = cluster.Logs();
        foreach (var recipient in new[] { "first@dest.test", "second@dest.test" })
        {
            var triplet = $"127.0.0.0/24 sender@origin.test {recipient}";
            var involved = logs.Where(l => l.Value.Contains($" {triplet}", StringComparison.Ordinal)).Select(l => l.Key).ToList();
            Assert.True(involved.Count >= 2, $"the attempts at {triplet} should have reached more than one instance");
            // Only the very first attempt is told to wait the whole delay: every instance counted from it. Instances
            // remembering on their own would each have told their first attempt so.
            Assert.Single(logs, l => l.Value.Contains($"Greylisted {triplet}: 3 s to wait", StringComparison.Ordinal));
            Assert.Single(logs, l => l.Value.Contains($"Passed {triplet}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_rate_limit_through_HAProxy_is_one_limit_for_all_instances()
    {
        await using var cluster = await StartClusterAsync("RateLimit", "--RateLimit:MessagesPerClient", "5");
        await using var mail = await RelayedMail.StartAsync(cluster.PostfixMilter);

        await mail.SubmitAsync(1, 9);
        await Eventually.TrueAsync(async () => (await mail.Sender.QueuedAsync()).Count(q => q.Reasons.Any(r => r.Contains("451 4.7.1 Rate limit: client 127.0.0.1 sent more than 5 messages", StringComparison.Ordinal))) == 4,
            Patience, mail.DescribeAsync);
        // The deferred ones keep being retried, and keep being deferred: five, not five per instance. Should one
        // instance have deferred them all so far, it leaves the balancer, so that the retries reach another.
        var deferring = InstancesOverTheLimit(cluster);
        if (deferring.Count == 1)
            await cluster.Balancer.DisableAsync(deferring[0]);
        await Eventually.TrueAsync(() => Task.FromResult(InstancesOverTheLimit(cluster).Count >= 2), Patience, mail.DescribeAsync);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(5, (await mail.DeliveredAsync()).Count);
        Assert.Equal(5, (await mail.DeliveredAsync()).Distinct().Count());
    }

    private static List<string> InstancesOverTheLimit(MilterCluster cluster) =>
        [.. cluster.Logs().Where(l => l.Value.Contains("Over the limit: client 127.0.0.1", StringComparison.Ordinal)).Select(l => l.Key)];

    [Fact]
    public async Task Instances_on_clocks_4_s_apart_time_the_greylist_by_the_stores_clock()
    {
        if (!File.Exists(MilterCluster.FakeTime))
            Assert.Skip("faketime is not installed (Debian package faketime)");
        await using var cluster = await StartClusterAsync("Greylist", "--Greylist:Delay", "00:00:05");
        await using var ahead = await cluster.StartInstanceAsync(FreePorts.One(), clockOffset: "+4s");
        var onTime = cluster.Instances[0];

        // First seen on time, retried 1.5 s later where the clock reads 5.5 s later: 1.5 s of 5 have passed.
        var early = new Envelope("a@example.org", ["early@example.net"]) { ClientAddress = "192.0.2.21" };
        Assert.True((await SendDirectAsync(onTime, early)).Tempfailed);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.True((await SendDirectAsync(ahead, early)).Tempfailed, "a retry 1.5 s after the first attempt passed a 5 s greylist");

        // First seen where the clock is 4 s ahead, retried on time after the delay: it passes, not 4 s later.
        var due = new Envelope("a@example.org", ["due@example.net"]) { ClientAddress = "192.0.2.22" };
        Assert.True((await SendDirectAsync(ahead, due)).Tempfailed);
        await Task.Delay(TimeSpan.FromSeconds(5.3));
        Assert.True((await SendDirectAsync(onTime, due)).Accepted, "a retry after the whole delay was still greylisted");
    }

    private static async Task<MessageOutcome> SendDirectAsync(MilterProcess instance, Envelope envelope)
    {
        await using var client = await MilterClient.ConnectAsync(instance.Address, MtaProfile.Postfix);
        return await client.SendMessageAsync(envelope, MailMessage.Parse("From: <a@example.org>\r\nSubject: hi\r\n\r\nHello.\r\n"u8));
    }

    /// <summary>The log line of a triplet's very first attempt, told to wait the whole delay of 3 s.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"Greylisted 127\.0\.0\.0/24 sender@origin\.test \S+: 3 s to wait")]
    private static partial System.Text.RegularExpressions.Regex FirstAttempts();
}
