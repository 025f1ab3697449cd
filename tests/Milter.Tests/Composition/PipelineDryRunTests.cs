using Milter.Tests.Support;
using static Milter.Tests.Composition.PipelineHarness;

namespace Milter.Tests.Composition;

/// <summary>A dry-run part runs on real mail; what it would have done is reported, and nothing of it applied but its header.</summary>
public class PipelineDryRunTests
{
    private static IMilterHandlerFactory Policy(List<string> calls) => Part("policy", calls, actions: ActionFlags.AddHeaders | ActionFlags.ChangeHeaders, setUp: h =>
    {
        h.Verdicts[MilterSteps.Rcpt] = () => calls.Count(c => c.StartsWith("rcpt", StringComparison.Ordinal)) == 1 ? MilterVerdict.Reject(550, "5.7.1", "not here") : MilterVerdict.Continue;
        h.EndOfMessage = m =>
        {
            m.AddHeader("X-Policy", "would add");
            m.DeleteHeader("Subject");
        };
        h.EndOfMessageAsync = _ => Task.FromResult(MilterVerdict.Reject(550, "5.7.1", "Spam"));
    });

    [Fact]
    public async Task Nothing_is_applied_and_the_log_the_metric_and_the_header_name_what_it_would_have_done()
    {
        List<string> policy = [], stamp = [];
        var log = new ListLogger();
        using var metrics = new MetricRecorder();
        var pipeline = MilterPipeline.Create("dryrun-test")
            .Add(Policy(policy), p => (p.DryRun, p.DryRunHeader) = (true, "X-DryRun-Policy"))
            .Add(Part("stamp", stamp, actions: ActionFlags.AddHeaders, setUp: h => h.EndOfMessage = m => m.AddHeader("X-Stamp", "applied")))
            .WithLogger(log)
            .Build();

        var outcome = await SendAsync(pipeline, Envelope("first@dest.test", "second@dest.test"));

        Assert.True(outcome.Accepted);
        Assert.Empty(outcome.RefusedRecipients);
        var delivered = outcome.Delivered!.Message;
        Assert.Equal("hello", delivered.Header("Subject")?.Trim());
        Assert.Null(delivered.Header("X-Policy"));
        Assert.Equal("applied", delivered.Header("X-Stamp"));
        const string Would = "policy: reject 550 5.7.1 Spam at eom; 1 recipient refused; add_header, change_header";
        Assert.Equal(Would, delivered.Header("X-DryRun-Policy"));
        // The stamp part comes after the policy: its header follows the dry-run header.
        Assert.True(delivered.Headers.FindIndex(h => h.Key == "X-DryRun-Policy") < delivered.Headers.FindIndex(h => h.Key == "X-Stamp"));
        Assert.Contains(log.Entries, e => e.Message.Contains("dry-run part policy would have answered: " + Would[8..], StringComparison.Ordinal));
        Assert.Contains(metrics.Snapshot(), m => m.Instrument == "milter.pipeline.dry_run" && m.Tags.Contains("milter.pipeline=dryrun-test", StringComparison.Ordinal)
            && m.Tags.Contains("milter.part=policy", StringComparison.Ordinal) && m.Tags.Contains("milter.verdict=reject", StringComparison.Ordinal));
        Assert.Contains("eom", stamp);
    }

    [Fact]
    public async Task A_dry_run_part_that_would_have_ended_the_message_early_stops_there_and_still_gets_its_abort()
    {
        List<string> policy = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("early", policy, setUp: h => h.Verdicts[MilterSteps.Mail] = () => MilterVerdict.Tempfail()), p => (p.DryRun, p.DryRunHeader) = (true, "X-DryRun-Early"))
            .Build();

        var outcome = await SendAsync(pipeline);
        policy = Steps(policy);

        Assert.True(outcome.Accepted);
        Assert.Equal("early: tempfail at mail", outcome.Delivered!.Message.Header("X-DryRun-Early"));
        Assert.Equal("abort", policy[policy.IndexOf(policy.First(c => c.StartsWith("mail", StringComparison.Ordinal))) + 1]);
        Assert.DoesNotContain("eom", policy);
    }

    [Fact]
    public async Task Dry_run_switched_off_while_serving_applies_from_the_next_message()
    {
        var pipeline = MilterPipeline.Create("p").Add(Policy([]), p => p.DryRun = true).Build();

        var dry = await SendAsync(pipeline);
        pipeline.Configure("policy", p => p.DryRun = false);
        var live = await SendAsync(pipeline);

        Assert.True(dry.Accepted);
        Assert.True(live.Rejected);
        Assert.False(pipeline.GetPartOptions("policy").DryRun);
    }
}
