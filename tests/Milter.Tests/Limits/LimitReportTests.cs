using Milter.Tests.Support;

namespace Milter.Tests.Limits;

/// <summary>Each limit that decides is one log line, one count on the meter, and an event on the message's activity.</summary>
public class LimitReportTests
{
    [Fact]
    public async Task A_hit_is_logged_counted_and_traced_with_the_limit_the_value_the_verdict_and_the_queue_id()
    {
        var log = new ListLogger();
        using var metrics = new MetricRecorder();
        using var activities = new MessageActivities();
        await using var rig = new LimitTestRig(new MessageLimits { MaxHeaderBytes = 50, MaxHeaderBytesVerdict = LimitVerdict.Tempfail() }, loggers: log);

        var outcome = await rig.SendAsync(LimitTestRig.Message(headerCount: 3));

        Assert.True(outcome.Tempfailed);
        var line = Assert.Single(log.Entries, e => e.Message.StartsWith("Message limit", StringComparison.Ordinal));
        Assert.Matches(@"^Message limit MaxHeaderBytes reached: 63 over the limit of 50; tempfail at header \(queue id \w+\)$", line.Message);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, line.Level);

        Assert.Single(metrics.Snapshot(), m => m.Instrument == "milter.limits.reached" && m.Tags == "milter.limit=MaxHeaderBytes,milter.verdict=tempfail");

        // The activity ends with the message, at the MTA's ABORT: once the session is over it has.
        await rig.DisposeAsync();
        var activity = Assert.Single(activities.Of(rig.Session));
        Assert.Equal("MaxHeaderBytes", activity.GetTagItem("milter.limit"));
        Assert.Equal("tempfail", activity.GetTagItem("milter.limit.verdict"));
        Assert.Equal("reply", activity.GetTagItem("milter.verdict"));
        Assert.Equal(451, activity.GetTagItem("milter.reply.code"));
        var hit = Assert.Single(activity.Events, e => e.Name == "milter.limit");
        var tags = hit.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("MaxHeaderBytes", tags["milter.limit"]);
        Assert.Equal(63L, tags["milter.limit.value"]);
        Assert.Equal(50L, tags["milter.limit.max"]);
        Assert.Equal("tempfail", tags["milter.limit.verdict"]);
        Assert.Equal("header", tags["milter.step"]);
    }
}
