using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Session;

public class SessionTests
{
    private static readonly ActionFlags EveryAction = ActionFlags.All & ~ActionFlags.SetMacroLists;

    private readonly List<string> _calls = [];
    private RecordingHandler? _handler;

    private IMilterHandlerFactory Factory(MilterDescription? description = null, Action<RecordingHandler>? configure = null) =>
        MilterHandlerFactory.Create(description ?? new MilterDescription { Actions = EveryAction }, () =>
        {
            _handler = new RecordingHandler(_calls);
            configure?.Invoke(_handler);
            return _handler;
        });

    private static async Task ConnectAsync(FakeMta mta)
    {
        await mta.SendMacrosAsync('C', ("j", "mx.example.net"), ("{daemon_addr}", "192.0.2.25"));
        await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "client.example.org", ConnectionFamily.IPv4, 54321, "198.51.100.7"));
    }

    private static async Task<List<MilterResponse>> SendMessageAsync(FakeMta mta, string subject = "hello", string body = "Hi there.\r\n")
    {
        var replies = new List<MilterResponse>();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>", ["SIZE=100"]));
        replies.Add(await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<b@dest.test>"));
        replies.Add(await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.Data);
        replies.Add(await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", subject));
        replies.Add(await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfHeaders);
        replies.Add(await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, System.Text.Encoding.ASCII.GetBytes(body)));
        replies.Add(await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        replies.AddRange(await mta.ReadUntilFinalAsync());
        return replies;
    }

    [Fact]
    public async Task A_body_the_MTA_cannot_switch_off_ends_at_its_first_chunk_with_skip()
    {
        await using var mta = FakeMta.Start(Factory(new MilterDescription { Steps = MilterSteps.None, Actions = EveryAction }));
        var reply = await mta.NegotiateAsync(new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All & ~ProtocolFlags.NoBody));
        Assert.Equal(ProtocolFlags.Skip, reply.Protocol & (ProtocolFlags.NoReplyBody | ProtocolFlags.Skip));

        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, new byte[65535]));
        Assert.Equal(MilterResponse.Skip, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.Equal(["eom"], _calls);
    }

    [Fact]
    public async Task A_body_the_MTA_can_neither_switch_off_nor_skip_is_taken_without_a_reply_per_chunk()
    {
        await using var mta = FakeMta.Start(Factory(new MilterDescription { Steps = MilterSteps.None, Actions = EveryAction }));
        var reply = await mta.NegotiateAsync(new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All & ~(ProtocolFlags.NoBody | ProtocolFlags.Skip)));
        Assert.Equal(ProtocolFlags.NoReplyBody, reply.Protocol & (ProtocolFlags.NoReplyBody | ProtocolFlags.Skip));

        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, new byte[65535]));
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, new byte[65535]));
        await mta.AssertSilentAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.Equal(["eom"], _calls);
    }

    [Fact]
    public async Task A_full_session_with_two_messages_calls_every_handler_in_order()
    {
        await using var mta = FakeMta.Start(Factory());
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteHelo(w, "client.example.org"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());

        var first = await SendMessageAsync(mta, "one");
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.SendAsync(w => MtaCommandWriter.WriteUnknown(w, "XFOO bar"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        var second = await SendMessageAsync(mta, "two");
        await mta.SendAsync(MilterCommandCode.Quit);
        Assert.True(await mta.MilterClosedAsync());

        Assert.All(first.Concat(second), r => Assert.Equal(MilterResponse.Continue, r));
        Assert.Equal(
        [
            "connect client.example.org IPv4 198.51.100.7:54321", "helo client.example.org",
            "mail <a@origin.test> SIZE=100", "rcpt <b@dest.test>", "data", "header Subject: one", "eoh", "body 11", "eom",
            "unknown XFOO bar",
            "mail <a@origin.test> SIZE=100", "rcpt <b@dest.test>", "data", "header Subject: two", "eoh", "body 11", "eom",
            "close", "dispose",
        ], _calls);
    }

    [Fact]
    public async Task Every_action_and_the_verdict_leave_together_after_end_of_message()
    {
        var factory = Factory(configure: h => h.EndOfMessage = m =>
        {
            m.AddHeader("X-Added", "yes");
            m.InsertHeader(0, "X-Top", "first");
            m.ChangeHeader("Subject", "changed");
            m.DeleteHeader("X-Old", 2);
            m.ChangeSender("<new@origin.test>", "RET=HDRS");
            m.AddRecipient("<c@dest.test>");
            m.AddRecipient("<d@dest.test>", "NOTIFY=NEVER");
            m.DeleteRecipient("<b@dest.test>");
            m.Quarantine("suspicious");
            m.ReplaceBody(new byte[70_000]);
        });
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();

        var replies = await SendMessageAsync(mta);

        Assert.Equal(
        [
            new AddHeaderResponse("X-Added", "yes"),
            new InsertHeaderResponse(0, "X-Top", "first"),
            new ChangeHeaderResponse(1, "Subject", "changed"),
            new ChangeHeaderResponse(2, "X-Old", ""),
            new ChangeSenderResponse("<new@origin.test>", "RET=HDRS"),
            new AddRecipientResponse("<c@dest.test>"),
            new AddRecipientWithParametersResponse("<d@dest.test>", "NOTIFY=NEVER"),
            new DeleteRecipientResponse("<b@dest.test>"),
            new QuarantineResponse("suspicious"),
            new ReplaceBodyResponse(new byte[65535]),
            new ReplaceBodyResponse(new byte[70_000 - 65535]),
            MilterResponse.Continue,
        ], replies.Skip(6));
    }

    private sealed class TrackedStream(byte[] content, int failAfter = int.MaxValue) : MemoryStream(content)
    {
        public bool Disposed { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) =>
            Position >= failAfter ? throw new IOException("disk gone") : base.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position >= failAfter ? throw new IOException("disk gone") : base.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task A_streamed_body_goes_out_in_pieces_after_the_handler_and_the_stream_is_disposed()
    {
        var content = Enumerable.Range(0, 3_000_000).Select(i => (byte)i).ToArray();
        var stream = new TrackedStream(content);
        var factory = Factory(configure: h => h.EndOfMessage = m => m.ReplaceBody(stream));
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();

        var replies = await SendMessageAsync(mta);

        var pieces = replies.Skip(6).OfType<ReplaceBodyResponse>().ToList();
        Assert.All(pieces, p => Assert.True(p.Body.Length <= 65535));
        Assert.Equal(content, pieces.SelectMany(p => p.Body.ToArray()));
        Assert.Equal(MilterResponse.Continue, replies[^1]);
        Assert.True(stream.Disposed);
    }

    [Fact]
    public async Task A_body_stream_that_fails_halfway_tempfails_the_message_so_nothing_half_made_is_delivered()
    {
        var stream = new TrackedStream(new byte[500_000], failAfter: 200_000);
        var factory = Factory(configure: h => h.EndOfMessage = m =>
        {
            m.AddHeader("X-Added", "yes");
            m.ReplaceBody(stream);
        });
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();

        var replies = await SendMessageAsync(mta);

        Assert.Equal(MilterResponse.Tempfail, replies[^1]);
        Assert.True(stream.Disposed);
    }

    [Fact]
    public async Task A_streamed_body_is_disposed_unsent_when_the_verdict_rejects()
    {
        var stream = new TrackedStream(new byte[10]);
        var factory = Factory(configure: h =>
        {
            h.EndOfMessage = m => m.ReplaceBody(stream);
            h.Verdicts[MilterSteps.EndOfMessage] = () => MilterVerdict.Reject();
        });
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();

        var replies = await SendMessageAsync(mta);

        Assert.DoesNotContain(replies, r => r is ReplaceBodyResponse);
        Assert.True(stream.Disposed);
    }

    public static TheoryData<string, MilterResponse> Verdicts => new()
    {
        { "continue", MilterResponse.Continue },
        { "accept", MilterResponse.Accept },
        { "reject", MilterResponse.Reject },
        { "tempfail", MilterResponse.Tempfail },
        { "discard", MilterResponse.Discard },
        { "reject with reply", new ReplyCodeResponse(SmtpReply.Create(554, "5.7.1", "No thanks", "Really")) },
        { "tempfail with reply", new ReplyCodeResponse(SmtpReply.Create(451, "4.7.1", "Later")) },
    };

    private static MilterVerdict VerdictFor(string name) => name switch
    {
        "continue" => MilterVerdict.Continue,
        "accept" => MilterVerdict.Accept,
        "reject" => MilterVerdict.Reject(),
        "tempfail" => MilterVerdict.Tempfail(),
        "discard" => MilterVerdict.Discard,
        "reject with reply" => MilterVerdict.Reject(554, "5.7.1", "No thanks", "Really"),
        _ => MilterVerdict.Tempfail(451, "4.7.1", "Later"),
    };

    [Theory]
    [MemberData(nameof(Verdicts))]
    public async Task Each_verdict_reaches_the_MTA_at_rcpt_and_at_end_of_message(string verdict, MilterResponse expected)
    {
        var factory = Factory(configure: h =>
        {
            h.Verdicts[MilterSteps.Rcpt] = () => VerdictFor(verdict);
            h.Verdicts[MilterSteps.EndOfMessage] = () => VerdictFor(verdict);
        });
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>"));
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<b@dest.test>"));
        Assert.Equal(expected, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        Assert.Equal(expected, await mta.ReadAsync());
    }

    [Fact]
    public async Task A_final_verdict_at_mail_ends_the_message_with_one_abort()
    {
        var factory = Factory(configure: h => h.Verdicts[MilterSteps.Mail] = MilterVerdict.Reject);
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>"));
        Assert.Equal(MilterResponse.Reject, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.CloseAsync();

        Assert.Equal(["connect client.example.org IPv4 198.51.100.7:54321", "mail <a@origin.test>", "abort", "close", "dispose"], _calls);
    }

    [Fact]
    public async Task No_reply_steps_get_no_reply_when_the_MTA_offers_it()
    {
        var description = new MilterDescription { NoReplySteps = MilterSteps.Connect | MilterSteps.Header | MilterSteps.Rcpt };
        await using var mta = FakeMta.Start(Factory(description));
        var reply = await mta.NegotiateAsync();
        Assert.Equal(ProtocolFlags.NoReplyConnect | ProtocolFlags.NoReplyHeader | ProtocolFlags.NoReplyRcpt, reply.Protocol);

        await ConnectAsync(mta);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<b@dest.test>"));
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", "x"));
        await mta.AssertSilentAsync();
        await mta.SendAsync(MilterCommandCode.EndOfHeaders);
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.Contains("header Subject: x", _calls);
    }

    [Fact]
    public async Task No_reply_steps_are_answered_by_the_session_when_the_MTA_cannot_skip_replies()
    {
        var description = new MilterDescription { NoReplySteps = MilterSteps.Header | MilterSteps.Rcpt };
        await using var mta = FakeMta.Start(Factory(description));
        var reply = await mta.NegotiateAsync(new OptionNegotiation(2, (ActionFlags)0x3F, (ProtocolFlags)0x7F));
        Assert.Equal(ProtocolFlags.None, reply.Protocol);

        await ConnectAsync(mta);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>"));
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<b@dest.test>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", "x"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
    }

    [Fact]
    public async Task Steps_switched_off_still_get_their_macros_never_a_reply()
    {
        var description = new MilterDescription { Steps = MilterSteps.Rcpt };
        MilterContext? seen = null;
        await using var mta = FakeMta.Start(MilterHandlerFactory.Create(description, () => new MacroReader(c => seen = c)));
        var reply = await mta.NegotiateAsync();
        Assert.Equal(ProtocolFlags.NoConnect | ProtocolFlags.NoHelo | ProtocolFlags.NoMail | ProtocolFlags.NoData | ProtocolFlags.NoHeaders
            | ProtocolFlags.NoEndOfHeaders | ProtocolFlags.NoBody | ProtocolFlags.NoUnknown, reply.Protocol);

        // What Postfix does with such a milter: macros for C, H, T and U still come, some of them empty.
        await mta.SendMacrosAsync('C', ("j", "mx.example.net"), ("{daemon_name}", "mx"));
        await mta.SendMacrosAsync('H');
        await mta.SendMacrosAsync('M', ("{mail_addr}", "a@origin.test"));
        await mta.SendMacrosAsync('R', ("{rcpt_addr}", "b@dest.test"));
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<b@dest.test>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendMacrosAsync('T', ("i", "4ABC"));
        await mta.SendMacrosAsync('U');
        await mta.SendMacrosAsync('L', ("i", "4ABC"));
        await mta.SendMacrosAsync('E', ("i", "4ABC"));
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.AssertSilentAsync();

        Assert.NotNull(seen);
        Assert.Equal("mx.example.net", seen.Macros["j"]);
        Assert.Equal("mx", seen.Macros["daemon_name"]);
        Assert.Equal("b@dest.test", seen.Macros["{rcpt_addr}"]);
        Assert.Equal("4ABC", seen.QueueId);
    }

    [Fact]
    public async Task A_new_mail_without_abort_abandons_the_previous_message_once()
    {
        var factory = Factory(configure: h => h.Verdicts[MilterSteps.Rcpt] = () => MilterVerdict.Continue);
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>"));
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<b@dest.test>"));
        await mta.ReadAsync();
        // Sendmail style: no ABORT, the next transaction just starts.
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<c@origin.test>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        await mta.ReadAsync();
        await mta.CloseAsync();

        Assert.Equal(["connect client.example.org IPv4 198.51.100.7:54321", "mail <a@origin.test>", "rcpt <b@dest.test>", "abort",
            "mail <c@origin.test>", "eom", "close", "dispose"], _calls);
    }

    [Fact]
    public async Task Quit_new_connection_starts_a_fresh_handler_on_the_same_socket()
    {
        var handlers = 0;
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () =>
        {
            handlers++;
            return new RecordingHandler(_calls);
        });
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.QuitNewConnection);
        await ConnectAsync(mta);
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.Quit);
        Assert.True(await mta.MilterClosedAsync());

        Assert.Equal(2, handlers);
        Assert.Equal(["connect client.example.org IPv4 198.51.100.7:54321", "mail <a@origin.test>", "abort", "close", "dispose",
            "connect client.example.org IPv4 198.51.100.7:54321", "close", "dispose"], _calls);
    }

    [Fact]
    public async Task EOF_in_the_middle_of_a_message_aborts_and_closes()
    {
        await using var mta = FakeMta.Start(Factory());
        await mta.NegotiateAsync();
        await ConnectAsync(mta);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@origin.test>"));
        await mta.ReadAsync();
        await mta.SendAsync(w => w.Write(new byte[] { 0, 0, 0, 9, (byte)'R' }));
        await mta.CloseAsync();

        Assert.Equal(["connect client.example.org IPv4 198.51.100.7:54321", "mail <a@origin.test>", "abort", "close", "dispose"], _calls);
    }

    private sealed class MacroReader(Action<MilterContext> onEom) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            onEom(message.Context);
            return Continue;
        }
    }
}
