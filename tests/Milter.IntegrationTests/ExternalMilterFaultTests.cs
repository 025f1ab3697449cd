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

    /// <summary>
    /// Through a proxy that misbehaves once, at one command: hanging from the start (OPTNEG, answered at MAIL) and at end
    /// of message (no changes applied), a garbage answer, death mid-body.
    /// </summary>
    [Theory]
    [InlineData(MilterFault.Hang, 'O', ExternalMilterFallback.Tempfail, MilterSteps.Mail, "no answer to OPTNEG within 1 s (at Connect); answering Tempfail")]
    [InlineData(MilterFault.Garbage, 'M', ExternalMilterFallback.Reject, MilterSteps.Mail, "Unknown response byte 'Z' (0x5A). (at Mail); answering Reject")]
    [InlineData(MilterFault.Die, 'B', ExternalMilterFallback.Tempfail, MilterSteps.Body, "answer to 'B' (0x42)")]
    [InlineData(MilterFault.Hang, 'E', ExternalMilterFallback.Continue, MilterSteps.EndOfMessage, "no answer to BODYEOB within 1 s (at EndOfMessage); answering Continue")]
    public async Task A_milter_that_hangs_breaks_the_protocol_or_dies_gets_the_fallback_in_time_and_the_next_message_the_milter(
        MilterFault fault, char at, ExternalMilterFallback fallback, MilterSteps step, string logged)
    {
        await using var target = await RelayRig.ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), "inet:0@127.0.0.1");
        await using var proxy = new FaultyMilterProxy((IPEndPoint)target.Addresses[0].EndPoint);
        await using var rig = await RelayRig.StartAsync(
            o => (o.WhenUnavailable, o.CommandTimeout, o.EndOfMessageTimeout) = (fallback, Short, Short), proxy.Address, probe: false);
        await using var mta = await rig.ConnectMtaAsync();
        proxy.Next(fault, at);

        var first = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));

        AssertFallback(first, fallback, step);
        await AssertNextMessageWorksAsync(mta);
        Assert.Contains($"External milter target at {proxy.Address}: ", Assert.Single(rig.Failures), StringComparison.Ordinal);
        Assert.Contains(logged, rig.Failures[0], StringComparison.Ordinal);
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
