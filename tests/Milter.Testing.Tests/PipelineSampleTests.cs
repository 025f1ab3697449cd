using System.Text;
using Milter.Client;
using Pipeline;

namespace Milter.Testing.Tests;

/// <summary>samples/Pipeline in memory: the local policy live, the new rule first in dry run, then switched on.</summary>
public class PipelineSampleTests
{
    private static readonly byte[] Shouting = Encoding.ASCII.GetBytes("From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: BUY NOW\r\n\r\nHello.\r\n");

    [Fact]
    public async Task The_new_rule_reports_in_dry_run_and_refuses_once_switched_on_while_the_policy_acts_throughout()
    {
        var pipeline = Inbound.Build();
        pipeline.Configure("new-rule", p => (p.DryRun, p.DryRunHeader) = (true, "X-DryRun-NewRule"));
        await using var test = MilterTest.For(pipeline);

        var dry = await test.SendAsync(Shouting, new Envelope("a@example.org", ["noreply@example.net", "b@example.net"]));
        pipeline.Configure("new-rule", p => p.DryRun = false);
        var live = await test.SendAsync(Shouting, new Envelope("a@example.org", ["b@example.net"]));

        Assert.Equal(["noreply@example.net"], dry.RefusedRecipients);
        var delivered = dry.AssertAccepted();
        Assert.Equal("checked", delivered.Headers["X-Local-Policy"]);
        Assert.Equal("new-rule: reject 550 5.7.1 please do not shout at eom", delivered.Headers["X-DryRun-NewRule"]);
        live.AssertRejected();
    }
}
