using System.Net;
using Milter.Client;
using Milter.IntegrationTests.Support;
using Milter.Protocol;

namespace Milter.IntegrationTests;

/// <summary>
/// An external milter that is down, hangs, breaks the protocol or dies mid-message: the MTA gets the configured fallback
/// within the timeout, one line is logged, and the next message on the same SMTP connection goes through the milter again.
/// </summary>
public sealed class ExternalMilterFaultTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    /// <summary>The fallback as the MTA sees it: the message refused at <paramref name="step"/>, or delivered without the milter's stamp.</summary>
    private static void AssertFallback(MessageOutcome outcome, ExternalMilterFallback fallback, MilterSteps step)
    {
        switch (fallback)
        {
            case ExternalMilterFallback.Continue:
                Assert.True(outcome.Accepted, outcome.Verdict.ToString());
                Assert.Empty(outcome.Delivered!.Message.Values("X-Stamp"));
                Assert.Empty(outcome.Actions);
                break;
            case ExternalMilterFallback.Tempfail:
                Assert.Equal(MilterResponseCode.Tempfail, outcome.Verdict.Code);
                Assert.Equal(step, outcome.DecidedAt);
                break;
            default:
                Assert.Equal(MilterResponseCode.Reject, outcome.Verdict.Code);
                Assert.Equal(step, outcome.DecidedAt);
                break;
        }
    }

    private static async Task AssertNextMessageWorksAsync(MilterClient mta)
    {
        var next = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));
        Assert.Equal("passed", next.Delivered?.Message.Header("X-Stamp")?.Trim());
    }

    [Theory]
    [InlineData(ExternalMilterFallback.Continue)]
    [InlineData(ExternalMilterFallback.Tempfail)]
    [InlineData(ExternalMilterFallback.Reject)]
    public async Task Down_at_connect_the_message_gets_the_fallback_at_MAIL_and_the_next_one_the_milter(ExternalMilterFallback fallback)
    {
        var path = Path.Combine(Path.GetTempPath(), $"milter-ext-{Guid.NewGuid():N}.sock");
        await using var rig = await RelayRig.StartAsync(o => (o.WhenUnavailable, o.ConnectTimeout) = (fallback, Short), $"unix:{path}", probe: false);
        await using var mta = await rig.ConnectMtaAsync();

        var first = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));
        await using var target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), $"unix:{path}");

        AssertFallback(first, fallback, MilterSteps.Mail);
        await AssertNextMessageWorksAsync(mta);
        var line = Assert.Single(rig.Failures);
        Assert.Contains($"target at unix:{path}: could not connect", line, StringComparison.Ordinal);
        Assert.Contains($"(at Connect); answering {fallback}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_milter_that_accepts_and_never_answers_gets_the_fallback_after_the_command_timeout()
    {
        await using var target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), "inet:0@127.0.0.1");
        await using var proxy = new FaultyMilterProxy((IPEndPoint)target.Addresses[0].EndPoint);
        await using var rig = await RelayRig.StartAsync(o => o.CommandTimeout = Short, proxy.Address, probe: false);
        await using var mta = await rig.ConnectMtaAsync();
        proxy.Next(MilterFault.Hang, 'O');

        var first = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));

        AssertFallback(first, ExternalMilterFallback.Tempfail, MilterSteps.Mail);
        await AssertNextMessageWorksAsync(mta);
        Assert.Contains("no answer to OPTNEG within 1 s (at Connect); answering Tempfail", Assert.Single(rig.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_garbage_answer_gets_the_fallback_at_that_step()
    {
        await using var target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), "inet:0@127.0.0.1");
        await using var proxy = new FaultyMilterProxy((IPEndPoint)target.Addresses[0].EndPoint);
        await using var rig = await RelayRig.StartAsync(o => o.WhenUnavailable = ExternalMilterFallback.Reject, proxy.Address, probe: false);
        await using var mta = await rig.ConnectMtaAsync();
        proxy.Next(MilterFault.Garbage, 'M');

        var first = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));

        AssertFallback(first, ExternalMilterFallback.Reject, MilterSteps.Mail);
        await AssertNextMessageWorksAsync(mta);
        Assert.Contains("(at Mail); answering Reject", Assert.Single(rig.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_milter_that_dies_mid_message_gets_the_fallback_at_that_step()
    {
        await using var target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), "inet:0@127.0.0.1");
        await using var proxy = new FaultyMilterProxy((IPEndPoint)target.Addresses[0].EndPoint);
        await using var rig = await RelayRig.StartAsync(null, proxy.Address, probe: false);
        await using var mta = await rig.ConnectMtaAsync();
        proxy.Next(MilterFault.Die, 'B');

        var first = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));

        AssertFallback(first, ExternalMilterFallback.Tempfail, MilterSteps.Body);
        await AssertNextMessageWorksAsync(mta);
        Assert.Contains("closed the connection", Assert.Single(rig.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_milter_that_hangs_at_end_of_message_gets_the_fallback_after_its_timeout_and_none_of_its_changes()
    {
        await using var target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), "inet:0@127.0.0.1");
        await using var proxy = new FaultyMilterProxy((IPEndPoint)target.Addresses[0].EndPoint);
        await using var rig = await RelayRig.StartAsync(o => (o.WhenUnavailable, o.EndOfMessageTimeout) = (ExternalMilterFallback.Continue, Short), proxy.Address, probe: false);
        await using var mta = await rig.ConnectMtaAsync();
        proxy.Next(MilterFault.Hang, 'E');

        var first = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));

        AssertFallback(first, ExternalMilterFallback.Continue, MilterSteps.EndOfMessage);
        await AssertNextMessageWorksAsync(mta);
        Assert.Contains("no answer to BODYEOB within 1 s (at EndOfMessage); answering Continue", Assert.Single(rig.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_milter_restarted_between_messages_is_reconnected_without_a_failure()
    {
        var path = Path.Combine(Path.GetTempPath(), $"milter-ext-{Guid.NewGuid():N}.sock");
        var target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), $"unix:{path}");
        await using var rig = await RelayRig.StartAsync(null, $"unix:{path}", probe: false);
        await using var mta = await rig.ConnectMtaAsync();
        await AssertNextMessageWorksAsync(mta);

        await target.DisposeAsync();
        await using var restarted = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), $"unix:{path}");

        await AssertNextMessageWorksAsync(mta);
        Assert.Empty(rig.Failures);
    }
}
