using System.Net.Sockets;
using System.Text;
using Milter.Client;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Client;

/// <summary>The MTA side against our own session: negotiation honoured, whole messages, changes applied the way Postfix applies them.</summary>
public class MilterClientTests
{
    private const string Message = "From: <sender@origin.test>\r\nTo: <rcpt@dest.test>\r\nSubject: hello\r\nX-Note: keep\r\n\r\nBody line.\r\n";

    private static MilterClient InMemory(IMilterHandlerFactory factory, MtaProfile? profile = null)
    {
        var connection = new InMemoryConnection();
        var session = new MilterSession(factory, new MilterSessionOptions { ProgressInterval = null });
        _ = Task.Run(() => session.RunAsync(connection.MilterSide));
        return new MilterClient(connection.MtaSide, profile);
    }

    private sealed class MtaObserver(List<(MtaKind Mta, string? QueueId, string? Version, string? MessageId)> seen) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            seen.Add((message.Context.Mta, message.QueueId, message.Macros["v"], message.Macros["{msg_id}"]));
            return Continue;
        }
    }

    [Theory]
    [InlineData("postfix", MtaKind.Postfix, "Postfix 3.7.11", false)]
    [InlineData("sendmail", MtaKind.Sendmail, null, true)]
    public async Task Each_profile_sends_its_MTA_default_macros_and_is_recognised_as_that_MTA(string profile, MtaKind expected, string? version, bool messageId)
    {
        var seen = new List<(MtaKind Mta, string? QueueId, string? Version, string? MessageId)>();
        var factory = MilterHandlerFactory.Create(new MilterDescription { Steps = MilterSteps.Header | MilterSteps.Body }, () => new MtaObserver(seen));
        await using var client = InMemory(factory, MtaProfile.FromName(profile));

        await client.SendMessageAsync(new Envelope("sender@origin.test", ["rcpt@dest.test"]), MailMessage.Parse(Encoding.ASCII.GetBytes(Message)));

        var (mta, queueId, v, msgId) = Assert.Single(seen);
        Assert.Equal(expected, mta);
        Assert.False(string.IsNullOrEmpty(queueId));
        Assert.Equal(version, v);
        Assert.Equal(messageId, msgId is not null);
    }

    [Fact]
    public async Task A_whole_message_comes_back_as_Postfix_would_deliver_it()
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription
        {
            Steps = MilterSteps.Header,
            NoReplySteps = MilterSteps.Header,
            Actions = ActionFlags.All & ~ActionFlags.SetMacroLists,
        }, () => new RecordingHandler([])
        {
            EndOfMessage = m =>
            {
                m.InsertHeader(0, "X-Top", "first");
                m.AddHeader("X-Folded", "one\r\n\ttwo");
                m.ChangeHeader("Subject", "[tagged] hello");
                m.DeleteHeader("X-Note");
                m.ChangeSender("<bounce@origin.test>");
                m.AddRecipient("<copy@dest.test>");
                m.DeleteRecipient("<rcpt@dest.test>");
                m.ReplaceBody("New body.\r\n"u8.ToArray());
                m.Quarantine("review");
            },
        });
        await using var client = InMemory(factory);

        var outcome = await client.SendMessageAsync(new Envelope("sender@origin.test", ["rcpt@dest.test", "other@dest.test"]),
            MailMessage.Parse(Encoding.ASCII.GetBytes(Message)));

        Assert.True(outcome.Accepted);
        Assert.Equal(MilterSteps.EndOfMessage, outcome.DecidedAt);
        Assert.Equal("review", outcome.QuarantineReason);
        var delivered = outcome.Delivered!;
        Assert.Equal("<bounce@origin.test>", delivered.Sender);
        Assert.Equal(["<other@dest.test>", "<copy@dest.test>"], delivered.Recipients);
        Assert.Equal(
            "X-Top: first\r\nFrom: <sender@origin.test>\r\nTo: <rcpt@dest.test>\r\nSubject: [tagged] hello\r\nX-Folded: one\r\n\ttwo\r\n\r\nNew body.\r\n",
            delivered.Message.ToString());
    }

    [Fact]
    public async Task Steps_the_milter_switched_off_are_not_sent_and_no_reply_steps_are_not_waited_for()
    {
        var calls = new List<string>();
        var factory = MilterHandlerFactory.Create(new MilterDescription
        {
            Steps = MilterSteps.Rcpt | MilterSteps.Header,
            NoReplySteps = MilterSteps.Header,
        }, () => new RecordingHandler(calls));
        await using var client = InMemory(factory, MtaProfile.Postfix);

        var negotiated = await client.NegotiateAsync();
        Assert.Null(await client.ConnectAsync("h", ConnectionFamily.IPv4, 1, "192.0.2.1"));
        Assert.Null(await client.MailAsync("<a@b>"));
        Assert.Equal(MilterResponse.Continue, await client.RcptAsync("<c@d>"));
        Assert.Null(await client.HeaderAsync("Subject", "s"));
        var end = await client.EndOfMessageAsync();

        Assert.Equal(ProtocolFlags.NoReplyHeader, negotiated.Protocol & ProtocolFlags.NoReplyHeader);
        Assert.Equal(MilterResponse.Continue, end.Verdict);
        Assert.Equal(["rcpt <c@d>", "header Subject: s", "eom"], calls);
    }

    [Fact]
    public async Task An_early_reject_decides_the_message_at_its_step()
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([])
        {
            Verdicts = { [MilterSteps.Rcpt] = () => MilterVerdict.Reject(550, "5.1.1", "No such user") },
        });
        await using var client = InMemory(factory);

        var outcome = await client.SendMessageAsync(new Envelope("a@b", ["x@y"]), MailMessage.Parse(Encoding.ASCII.GetBytes(Message)));

        Assert.True(outcome.Rejected);
        Assert.Equal(MilterSteps.Rcpt, outcome.DecidedAt);
        Assert.Equal(["x@y"], outcome.RefusedRecipients);
        Assert.Null(outcome.Delivered);
    }

    [Fact]
    public async Task Several_messages_on_one_connection_each_get_their_outcome()
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () => new RecordingHandler([])
        {
            EndOfMessage = m => m.AddHeader("X-Count", m.Context.MessageCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        });
        await using var client = InMemory(factory, MtaProfile.Postfix);
        var message = MailMessage.Parse(Encoding.ASCII.GetBytes(Message));

        var first = await client.SendMessageAsync(new Envelope("a@b", ["c@d"]), message);
        var second = await client.SendMessageAsync(new Envelope("a@b", ["c@d"]), message);

        Assert.Equal("1", first.Delivered!.Message.Header("X-Count"));
        Assert.Equal("2", second.Delivered!.Message.Header("X-Count"));
    }

    [Fact]
    public async Task Quit_new_connection_reuses_the_socket_for_a_new_SMTP_session()
    {
        var calls = new List<string>();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler(calls));
        await using var client = InMemory(factory);
        var message = MailMessage.Parse(Encoding.ASCII.GetBytes(Message));

        await client.SendMessageAsync(new Envelope("a@b", ["c@d"]) { ClientHostName = "first" }, message);
        await client.QuitNewConnectionAsync();
        var second = await client.SendMessageAsync(new Envelope("a@b", ["c@d"]) { ClientHostName = "second" }, message);

        Assert.True(second.Accepted);
        Assert.Equal(2, calls.Count(c => c.StartsWith("connect ", StringComparison.Ordinal)));
        Assert.Contains("connect second IPv4 127.0.0.1:50025", calls);
        Assert.Equal(1, calls.Count(c => c == "close"));
    }

    [Fact]
    public async Task Over_a_real_socket_to_our_server()
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () => new RecordingHandler([])
        {
            EndOfMessage = m => m.AddHeader("X-Via", "socket"),
        });
        await using var server = new MilterServer(factory, new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await server.StartAsync();
        await using var client = await MilterClient.ConnectAsync(server.Addresses[0].ToString());

        var outcome = await client.SendMessageAsync(new Envelope("a@b", ["c@d"]), MailMessage.Parse(Encoding.ASCII.GetBytes(Message)));

        Assert.Equal("socket", outcome.Delivered!.Message.Header("X-Via"));
    }

    [Fact]
    public async Task A_milter_that_closes_early_is_a_clear_error()
    {
        using var listener = new ScriptedPeer(async socket => socket.Shutdown(SocketShutdown.Both));
        await using var client = await MilterClient.ConnectAsync(listener.Address, timeout: TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<MilterClientException>(() => client.NegotiateAsync());
        Assert.Contains($"The milter at {listener.Address} closed the connection", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_milter_gone_before_the_MTA_writes_is_a_clear_error_and_disposing_does_not_hide_it()
    {
        // A unix socket whose peer has closed refuses writes at once (EPIPE).
        var path = Path.Combine(Path.GetTempPath(), $"milter-gone-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var client = await MilterClient.ConnectAsync($"unix:{path}", timeout: TimeSpan.FromSeconds(5));
        (await listener.AcceptAsync()).Dispose();

        var error = await Assert.ThrowsAsync<MilterClientException>(() => client.NegotiateAsync());
        Assert.StartsWith($"The milter at unix:{path} closed the connection", error.Message, StringComparison.Ordinal);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_milter_that_answers_garbage_is_a_protocol_error()
    {
        using var listener = new ScriptedPeer(async socket => await socket.SendAsync(new byte[] { 0, 0, 0, 1, (byte)'Z' }));
        await using var client = await MilterClient.ConnectAsync(listener.Address, timeout: TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<MilterProtocolException>(() => client.NegotiateAsync());
        Assert.Equal(MilterProtocolError.UnknownCommand, error.Error);
        Assert.Equal($"The peer at {listener.Address} does not speak the milter protocol; it sent: \\x00\\x00\\x00\\x01Z", error.Message);
    }

    [Theory]
    [InlineData(true, "220 mail.example ESMTP Postfix (Debian/GNU)\r\n", "220 mail.example ESMTP Postfix (Debian/GNU)")]
    [InlineData(false, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 400 Bad Request...")]
    [InlineData(false, "OK\n", "OK")]
    public async Task A_peer_that_is_not_a_milter_is_shown_by_what_it_sent(bool greetsFirst, string sent, string shown)
    {
        // An SMTP server greets and waits for a command line; an HTTP server answers the OPTNEG and hangs up; so does
        // a peer whose answer is too short to be a frame.
        using var listener = new ScriptedPeer(async socket =>
        {
            if (greetsFirst)
                await socket.SendAsync(Encoding.ASCII.GetBytes(sent));
            await socket.ReceiveAsync(new byte[4096]);
            if (!greetsFirst)
                await socket.SendAsync(Encoding.ASCII.GetBytes(sent));
            await Task.Delay(greetsFirst ? 3000 : 0);
        });
        await using var client = await MilterClient.ConnectAsync(listener.Address, timeout: TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<MilterProtocolException>(() => client.NegotiateAsync());
        Assert.Equal($"The peer at {listener.Address} does not speak the milter protocol; it sent: {shown}", error.Message);
    }

    [Fact]
    public async Task A_milter_that_does_not_answer_times_out()
    {
        using var listener = new ScriptedPeer(async _ => await Task.Delay(3000));
        await using var client = await MilterClient.ConnectAsync(listener.Address, timeout: TimeSpan.FromMilliseconds(300));
        var error = await Assert.ThrowsAsync<MilterClientException>(() => client.NegotiateAsync());
        Assert.Equal($"The milter at {listener.Address} did not answer OPTNEG within 0.3 s.", error.Message);
    }

    [Fact]
    public async Task A_milter_that_answers_a_no_reply_step_is_caught()
    {
        // Negotiates NR_HDR, then answers the header anyway.
        using var listener = new ScriptedPeer(async socket =>
        {
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer);
            await socket.SendAsync(Hex.Bytes("0000000d4f000000060000000000000080"));
            await socket.ReceiveAsync(buffer);
            await socket.SendAsync(Hex.Bytes("0000000163"));
            await Task.Delay(2000);
        });
        await using var client = await MilterClient.ConnectAsync(listener.Address, timeout: TimeSpan.FromSeconds(5));
        await client.NegotiateAsync();

        // Caught when the stray answer has arrived: at once on loopback, or at the next step at the latest.
        var error = await Assert.ThrowsAsync<MilterClientException>(async () =>
        {
            await client.HeaderAsync("Subject", "one");
            await Task.Delay(200);
            await client.HeaderAsync("Subject", "two");
        });
        Assert.Contains("negotiated as no-reply", error.Message, StringComparison.Ordinal);
    }
}
