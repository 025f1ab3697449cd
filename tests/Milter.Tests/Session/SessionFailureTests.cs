using Microsoft.Extensions.Logging;
using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Session;

/// <summary>Every failure ends in a defined state: a handler failure becomes the default verdict, a protocol error closes only that connection.</summary>
public class SessionFailureTests
{
    private static readonly IReadOnlyList<MilterSteps> ReplyingSteps =
    [
        MilterSteps.Connect, MilterSteps.Helo, MilterSteps.Mail, MilterSteps.Rcpt, MilterSteps.Data,
        MilterSteps.Header, MilterSteps.EndOfHeaders, MilterSteps.Body, MilterSteps.EndOfMessage,
    ];

    public static TheoryData<MilterSteps> Steps => new(ReplyingSteps.Append(MilterSteps.Unknown));

    /// <summary>Sends a whole session, one step after another, and returns the reply to <paramref name="step"/>.</summary>
    private static async Task<MilterResponse> RunUntilAsync(FakeMta mta, MilterSteps step)
    {
        await mta.NegotiateAsync();
        var sends = new (MilterSteps Step, Action<IBufferWriter<byte>> Write)[]
        {
            (MilterSteps.Connect, w => MtaCommandWriter.WriteConnect(w, "h", ConnectionFamily.IPv4, 1, "192.0.2.1")),
            (MilterSteps.Helo, w => MtaCommandWriter.WriteHelo(w, "h")),
            (MilterSteps.Unknown, w => MtaCommandWriter.WriteUnknown(w, "XFOO")),
            (MilterSteps.Mail, w => MtaCommandWriter.WriteMail(w, "<a@b>")),
            (MilterSteps.Rcpt, w => MtaCommandWriter.WriteRcpt(w, "<c@d>")),
            (MilterSteps.Data, w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.Data)),
            (MilterSteps.Header, w => MtaCommandWriter.WriteHeader(w, "Subject", "s")),
            (MilterSteps.EndOfHeaders, w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfHeaders)),
            (MilterSteps.Body, w => MtaCommandWriter.WriteBody(w, "body\r\n"u8)),
            (MilterSteps.EndOfMessage, w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfBody)),
        };
        foreach (var (current, write) in sends)
        {
            await mta.SendAsync(write);
            var reply = await mta.ReadAsync();
            if (current == step)
                return reply;
            Assert.Equal(MilterResponse.Continue, reply);
        }

        throw new InvalidOperationException("unreachable");
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_handler_exception_becomes_tempfail_at_that_step_and_the_connection_stays_in_step(MilterSteps step)
    {
        var calls = new List<string>();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () =>
        {
            var handler = new RecordingHandler(calls);
            var failed = false;
            handler.Verdicts[step] = () => failed ? MilterVerdict.Continue : throw new InvalidOperationException($"boom {failed = true}");
            return handler;
        });
        var log = new ListLogger();
        await using var mta = FakeMta.Start(factory, logger: log);

        Assert.Equal(MilterResponse.Tempfail, await RunUntilAsync(mta, step));

        // Still in step: the next command gets its normal answer.
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<again@b>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        var error = Assert.Single(log.Entries, e => e.Exception is not null);
        Assert.Contains($"the {step} handler failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("answering Tempfail", error.Message, StringComparison.Ordinal);
        // This MTA sends no queue id (macro i): the line says so rather than "(null)".
        Assert.Contains("(queue id not sent yet)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_abort_or_close_handler_is_logged_and_the_next_message_still_works()
    {
        var log = new ListLogger();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new FailsToCleanUp());
        await using var mta = FakeMta.Start(factory, logger: log);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<c@d>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.CloseAsync();

        Assert.Contains(log.Entries, e => e.Message.Contains("the Abort handler failed while cleaning up", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Message.Contains("the Close handler failed while cleaning up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_default_verdict_is_configurable()
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new Throwing());
        await using var mta = FakeMta.Start(factory, new MilterSessionOptions { DefaultVerdict = MilterVerdict.Accept });
        Assert.Equal(MilterResponse.Accept, await RunUntilAsync(mta, MilterSteps.Connect));
    }

    [Fact]
    public async Task A_failure_at_a_no_reply_step_is_delivered_at_the_next_step_that_replies()
    {
        await using var mta = await StartMessageAsync(MilterSteps.Header, MilterSteps.Header, []);
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", "s"));
        await mta.AssertSilentAsync();
        await mta.SendAsync(MilterCommandCode.EndOfHeaders);

        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
    }

    [Fact]
    public async Task A_failure_at_a_no_reply_step_answered_at_end_of_message_ends_the_message_with_an_abort()
    {
        // Found by the session fuzzer: the handler got neither end of message nor abort for that message.
        var calls = new List<string>();
        await using var mta = await StartMessageAsync(MilterSteps.Header | MilterSteps.Body, MilterSteps.Body, calls);
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, "body\r\n"u8));
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
        await mta.CloseAsync();
        Assert.Equal(["mail <a@b>", "body 6", "abort", "close", "dispose"], calls.Skip(1));
    }

    [Fact]
    public async Task After_a_decision_on_the_whole_connection_the_handler_gets_no_abort_for_messages_it_never_saw()
    {
        // Found by the session fuzzer.
        var calls = new List<string>();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () =>
        {
            var handler = new RecordingHandler(calls);
            handler.Verdicts[MilterSteps.Connect] = () => MilterVerdict.Reject();
            return handler;
        });
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "h", ConnectionFamily.Unknown, 0, null));
        Assert.Equal(MilterResponse.Reject, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<c@d>"));
        await mta.ReadAsync();
        await mta.CloseAsync();

        Assert.Equal(["close", "dispose"], calls.Skip(1));
    }

    [Theory]
    [InlineData(MilterSteps.Rcpt, "skip")]
    [InlineData(MilterSteps.EndOfMessage, "skip")]
    [InlineData(MilterSteps.Connect, "discard")]
    [InlineData(MilterSteps.Helo, "discard")]
    public async Task A_verdict_the_step_does_not_allow_becomes_the_default_verdict(MilterSteps step, string verdict)
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () =>
        {
            var handler = new RecordingHandler([]);
            handler.Verdicts[step] = () => verdict == "skip" ? MilterVerdict.Skip : MilterVerdict.Discard;
            return handler;
        });
        var log = new ListLogger();
        await using var mta = FakeMta.Start(factory, logger: log);

        Assert.Equal(MilterResponse.Tempfail, await RunUntilAsync(mta, step));
        Assert.Contains(log.Entries, e => e.Message.Contains("not allowed at that step", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Skip_is_sent_when_negotiated_and_the_rest_of_the_body_is_not_delivered()
    {
        var calls = new List<string>();
        var factory = SkipsTheBody(calls);
        await using var mta = FakeMta.Start(factory);
        Assert.Equal(MilterResponse.Skip, await RunUntilAsync(mta, MilterSteps.Body));
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, "more\r\n"u8));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.Single(calls, c => c.StartsWith("body", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Skip_without_the_MTA_support_is_emulated_with_continue()
    {
        var calls = new List<string>();
        var factory = SkipsTheBody(calls);
        await using var mta = FakeMta.Start(factory);
        var reply = await mta.NegotiateAsync(new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All & ~ProtocolFlags.Skip));
        Assert.Equal(ProtocolFlags.None, reply.Protocol & ProtocolFlags.Skip);
        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, "one\r\n"u8));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, "two\r\n"u8));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.Single(calls, c => c.StartsWith("body", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_change_outside_end_of_message_throws_and_the_MTA_gets_the_default_verdict()
    {
        EndOfMessageContext? kept = null;
        Exception? thrown = null;
        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () => new KeepsContext(
            m => kept = m,
            () =>
            {
                try
                {
                    kept!.AddHeader("X-Late", "too late");
                }
                catch (InvalidOperationException e)
                {
                    thrown = e;
                    throw;
                }
            }));
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));

        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
        Assert.Contains("after the end-of-message handler returned", thrown!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_change_that_was_not_negotiated_throws_a_clear_error()
    {
        Exception? thrown = null;
        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () => new RecordingHandler([])
        {
            EndOfMessage = m => thrown = Record.Exception(() => m.DeleteRecipient("<b@c>")),
        });
        await using var mta = FakeMta.Start(factory);
        Assert.Equal(MilterResponse.Continue, await RunUntilAsync(mta, MilterSteps.EndOfMessage));

        var error = Assert.IsType<ActionNotNegotiatedException>(thrown);
        Assert.Equal((ActionFlags.DeleteRecipients, "DeleteRecipient"), (error.Action, error.Operation));
        Assert.Contains("DeleteRecipient needs the DeleteRecipients action, which this milter did not request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_end_of_message_handler_keeps_the_MTA_waiting_with_progress()
    {
        var release = new TaskCompletionSource<MilterVerdict>();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([]) { EndOfMessageAsync = _ => release.Task });
        await using var mta = FakeMta.Start(factory, new MilterSessionOptions { ProgressInterval = TimeSpan.FromMilliseconds(50) });
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(MilterResponse.Progress, await mta.ReadAsync());
        Assert.Equal(MilterResponse.Progress, await mta.ReadAsync());
        release.SetResult(MilterVerdict.Accept);
        var rest = await mta.ReadUntilFinalAsync();
        Assert.Equal(MilterResponse.Accept, rest[^1]);
    }

    public static TheoryData<string, string, MilterProtocolError> BadStreams => new()
    {
        { "command before negotiation", "0000000143", MilterProtocolError.OutOfOrder },
        { "negotiation twice", "0000000d4f00000006000001ff001fffff", MilterProtocolError.OutOfOrder },
        { "rcpt without mail", Hex.Packet('R', "<a>\0"u8), MilterProtocolError.OutOfOrder },
        { "header after body", Hex.Packet('B', "ok\r\n"u8) + Hex.Packet('L', "Subj\0s\0"u8), MilterProtocolError.OutOfOrder },
        { "unknown command byte", "000000015a", MilterProtocolError.UnknownCommand },
        { "frame of length 0", "00000000", MilterProtocolError.ZeroLength },
        { "frame over the limit", "7fffffff42", MilterProtocolError.FrameTooLarge },
        { "header without value", Hex.Packet('L', "Subject\0"u8), MilterProtocolError.MalformedPayload },
        { "truncated frame", "0000002052", MilterProtocolError.TruncatedFrame },
    };

    [Theory]
    [MemberData(nameof(BadStreams))]
    public async Task A_protocol_error_closes_the_connection_with_a_log_line_naming_it(string name, string hex, MilterProtocolError error)
    {
        var log = new ListLogger();
        var calls = new List<string>();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler(calls));
        await using var mta = FakeMta.Start(factory, logger: log);
        if (name != "command before negotiation")
            await mta.NegotiateAsync();
        if (name is "header after body" or "rcpt without mail")
        {
            await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "h", ConnectionFamily.Unknown, 0, null));
            await mta.ReadAsync();
        }

        if (name is "header after body")
        {
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
            await mta.ReadAsync();
        }

        await mta.SendAsync(w => w.Write(Hex.Bytes(hex)));
        if (name == "truncated frame")
            await mta.CloseAsync();

        Assert.True(await mta.MilterClosedAsync(), $"{name}: the session did not end");
        var entry = Assert.Single(log.Entries, e => e.Message.Contains("protocol error", StringComparison.Ordinal));
        Assert.Contains($"({error})", entry.Message, StringComparison.Ordinal);
        if (calls.Count > 0)
            Assert.Equal("close", calls[^2]);
    }

    [Fact]
    public async Task A_negotiation_the_MTA_cannot_satisfy_closes_without_a_reply()
    {
        var log = new ListLogger();
        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.ChangeSender }, () => new RecordingHandler([]));
        await using var mta = FakeMta.Start(factory, logger: log);
        await mta.SendAsync(new OptionNegotiation(2, (ActionFlags)0x3F, (ProtocolFlags)0x7F).WriteTo);

        Assert.Null(await mta.TryReadAsync(TimeSpan.FromSeconds(2)));
        Assert.True(await mta.MilterClosedAsync());
        Assert.Contains(log.Entries, e => e.Message.Contains("negotiation failed", StringComparison.Ordinal) && e.Message.Contains("ChangeSender", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_change_whose_action_was_not_requested_is_logged_with_the_action_the_filter_and_the_fix()
    {
        var entry = await ChangeSenderLoggedAsync(new MilterDescription { Name = "stamp", Actions = ActionFlags.AddHeaders }, FakeMta.FullOffer);

        Assert.Null(entry.Exception);
        foreach (var part in new[] { "ChangeSender needs the ChangeSender action", "which filter 'stamp' did not request (it requested AddHeaders)", "[UsesActions(ActionFlags.ChangeSender)]", "ExtraActions = ActionFlags.ChangeSender" })
            Assert.Contains(part, entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_optional_action_the_MTA_did_not_offer_says_so()
    {
        var entry = await ChangeSenderLoggedAsync(new MilterDescription { Name = "relay", OptionalActions = ActionFlags.ChangeSender },
            new OptionNegotiation(6, ActionFlags.AddHeaders, ProtocolFlags.All));

        Assert.Contains("which filter 'relay' requested but the MTA does not offer (it offers AddHeaders)", entry.Message, StringComparison.Ordinal);
    }

    /// <summary>A message whose end-of-message handler changes the sender: tempfailed, with one error logged.</summary>
    private static async Task<(LogLevel Level, string Message, Exception? Exception)> ChangeSenderLoggedAsync(MilterDescription description, OptionNegotiation offer)
    {
        var log = new ListLogger();
        var factory = MilterHandlerFactory.Create(description, () => new RecordingHandler([])
        {
            EndOfMessage = message => message.ChangeSender("<new@example.org>"),
        });
        await using var mta = FakeMta.Start(factory, logger: log);
        await mta.NegotiateAsync(offer);
        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
        return Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task An_idle_connection_is_closed_after_the_idle_timeout()
    {
        var log = new ListLogger();
        await using var mta = FakeMta.Start(MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([])),
            new MilterSessionOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) }, log);
        await mta.NegotiateAsync();

        Assert.True(await mta.MilterClosedAsync(3000));
        Assert.Contains(log.Entries, e => e.Message.Contains("without data from the MTA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stalled_frame_is_closed_after_the_read_timeout()
    {
        await using var mta = FakeMta.Start(MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([])),
            new MilterSessionOptions { ReadTimeout = TimeSpan.FromMilliseconds(200) });
        await mta.NegotiateAsync();
        await mta.SendAsync(w => w.Write(new byte[] { 0, 0, 0, 10, (byte)'H', (byte)'x' }));

        Assert.True(await mta.MilterClosedAsync(3000));
    }

    [Fact]
    public async Task A_stop_request_lets_the_message_in_flight_finish_then_closes()
    {
        var release = new TaskCompletionSource<MilterVerdict>();
        var session = new MilterSession(MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([]) { EndOfMessageAsync = _ => release.Task }),
            new MilterSessionOptions { ProgressInterval = null });
        await using var mta = FakeMta.Start(session);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        await Task.Delay(50);

        session.RequestStop();
        Assert.False(await mta.MilterClosedAsync(200));
        release.SetResult(MilterVerdict.Accept);

        Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());
        Assert.True(await mta.MilterClosedAsync());
    }

    [Fact]
    public async Task A_stop_request_closes_an_idle_connection_at_once()
    {
        var session = new MilterSession(MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([])));
        await using var mta = FakeMta.Start(session);
        await mta.NegotiateAsync();

        session.RequestStop();

        Assert.True(await mta.MilterClosedAsync());
    }

    /// <summary>A milter whose body handler always answers SKIP.</summary>
    private static IMilterHandlerFactory SkipsTheBody(List<string> calls) =>
        MilterHandlerFactory.Create(new MilterDescription { Skip = true }, () => new RecordingHandler(calls)
        {
            Verdicts = { [MilterSteps.Body] = () => MilterVerdict.Skip },
        });

    /// <summary>A session whose handler throws at <paramref name="failing"/>, connected, with a message started by MAIL.</summary>
    private static async Task<FakeMta> StartMessageAsync(MilterSteps noReply, MilterSteps failing, List<string> calls)
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription { NoReplySteps = noReply }, () =>
        {
            var handler = new RecordingHandler(calls);
            handler.Verdicts[failing] = () => throw new InvalidOperationException("boom");
            return handler;
        });
        var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
        await mta.ReadAsync();
        return mta;
    }

    private static async Task ConnectAsync(FakeMta mta)
    {
        await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "h", ConnectionFamily.Unknown, 0, null));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
    }

    private sealed class FailsToCleanUp : MilterHandler
    {
        public override ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken) => throw new InvalidOperationException("abort");

        public override ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken) => throw new InvalidOperationException("close");
    }

    private sealed class Throwing : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("boom");
    }

    private sealed class KeepsContext(Action<EndOfMessageContext> keep, Action useLater) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            keep(message);
            return Continue;
        }

        public override ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken)
        {
            if (context.MessageCount > 1)
                useLater();
            return Continue;
        }
    }
}
