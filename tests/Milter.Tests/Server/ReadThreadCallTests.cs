using System.Diagnostics;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>
/// Over the server's sockets a session resumes with each read on a work item of its own, which also runs that read's
/// handler calls once the session has unwound to it: a handler that returns at once costs no hand-off of its own, and one
/// that blocks that thread is still answered at its limit while the session goes on.
/// </summary>
public sealed class ReadThreadCallTests
{
    /// <summary>Notes, per call, whether it ran on the thread of its read (no hand-off); its RCPT does what the test says.</summary>
    private sealed class NotingHandler(Func<CancellationToken, ValueTask<MilterVerdict>>? rcpt = null) : MilterHandler
    {
        private readonly List<(string Step, bool OnReadThread)> _calls = [];

        public IReadOnlyList<(string Step, bool OnReadThread)> Calls
        {
            get
            {
                lock (_calls)
                    return [.. _calls];
            }
        }

        public override ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken) =>
            Note("mail");

        public override ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken)
        {
            var noted = Note("rcpt");
            return rcpt?.Invoke(cancellationToken) ?? noted;
        }

        public override ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken) =>
            Note("header");

        public override ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) =>
            Note("eoh");

        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken) =>
            Note("eom");

        private ValueTask<MilterVerdict> Note(string step)
        {
            lock (_calls)
                _calls.Add((step, HandlerCall.OnReadThread));
            return new(MilterVerdict.Continue);
        }
    }

    private static Task<MilterServer> StartAsync(Func<IMilterHandler> create, bool unixSocket, Action<MilterServerOptions>? configure = null) =>
        TestServer.StartAsync(MilterHandlerFactory.Create(new MilterDescription(), create), o =>
        {
            if (unixSocket)
                o.Listen.Add($"unix:{Path.Combine(Path.GetTempPath(), $"milter-read-{Guid.NewGuid():N}.sock")}");
            configure?.Invoke(o);
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Handlers_that_return_at_once_run_on_the_thread_of_their_read_without_a_hand_off(bool unixSocket)
    {
        var handler = new NotingHandler();
        await using var server = await StartAsync(() => handler, unixSocket);
        await using var mta = await TestServer.OpenAsync(server);

        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<c@d.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        // Several frames in one read: each call comes back to the thread that runs the read.
        await mta.SendAsync(w =>
        {
            MtaCommandWriter.WriteHeader(w, "From", "a@b.example");
            MtaCommandWriter.WriteHeader(w, "To", "c@d.example");
            MtaCommandWriter.WriteHeader(w, "Subject", "hello");
            MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfHeaders);
        });
        for (var i = 0; i < 4; i++)
            Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        Assert.Equal(MilterResponse.Continue, (await mta.ReadUntilFinalAsync())[^1]);

        Assert.Equal(["mail", "rcpt", "header", "header", "header", "eoh", "eom"], handler.Calls.Select(c => c.Step));
        Assert.All(handler.Calls, c => Assert.True(c.OnReadThread, $"{c.Step} was handed off"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_handler_that_blocks_the_thread_of_its_read_is_answered_at_its_limit_and_the_next_connection_is_served_as_before(bool unixSocket)
    {
        using var release = new ManualResetEventSlim();
        var blocking = new NotingHandler(_ =>
        {
            release.Wait(TimeSpan.FromSeconds(30)); // ignores its token, as a synchronous lookup would
            return new(MilterVerdict.Reject());
        });
        var next = new NotingHandler();
        var handlers = new Queue<NotingHandler>([blocking, next]);
        await using var server = await StartAsync(() => handlers.Dequeue(), unixSocket, o => o.HandlerTimeout = TimeSpan.FromMilliseconds(500));
        await using var mta = await TestServer.OpenAsync(server);

        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        var started = Stopwatch.GetTimestamp();
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<c@d.example>"));
        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(4));

        // The next SMTP connection on the same milter connection, while the first handler still blocks: served at once,
        // its calls again on the thread of their read.
        await mta.SendAsync(MilterCommandCode.Abort);
        await mta.SendAsync(MilterCommandCode.QuitNewConnection);
        await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "client", ConnectionFamily.IPv4, 1, "192.0.2.1"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<c@d.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.False(release.IsSet);

        Assert.Equal(["mail", "rcpt"], blocking.Calls.Select(c => c.Step));
        Assert.Equal(["mail", "rcpt"], next.Calls.Select(c => c.Step));
        Assert.All(next.Calls, c => Assert.True(c.OnReadThread, $"{c.Step} was handed off"));
        release.Set();
    }
}
