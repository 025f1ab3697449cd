using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>Handlers that overrun, block their thread or outlive their MTA, against the real socket server.</summary>
public class StuckHandlerTests
{
    private static async Task SendMailAndRcptAsync(FakeMta mta)
    {
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<c@d.example>"));
    }

    [Fact]
    public async Task An_async_handler_past_its_limit_gets_a_cancelled_token_and_the_MTA_the_default_verdict()
    {
        var cancelled = new TaskCompletionSource();
        var handler = new StallingHandler
        {
            Rcpt = async ct =>
            {
                await using (ct.Register(() => cancelled.TrySetResult()))
                    await Task.Delay(Timeout.Infinite, ct);
                return MilterVerdict.Continue;
            },
        };
        var log = new ListLogger();
        await using var server = await TestServer.StartAsync(handler.Factory(), o => o.HandlerTimeout = TimeSpan.FromMilliseconds(500), log);
        await using var mta = await TestServer.OpenAsync(server);

        var started = Stopwatch.GetTimestamp();
        await SendMailAndRcptAsync(mta);
        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(4));
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var warning = Assert.Single(log.Entries, e => e.Message.Contains("handler did not return within", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Null(warning.Exception);

        // Retired for the rest of the SMTP connection: the MTA gets the default verdict, the handler no more calls but its cleanup.
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.Quit);
        Assert.True(await TestServer.EventuallyAsync(() => handler.Calls.Contains("dispose")));
        Assert.Equal(["rcpt", "abort", "close", "dispose"], handler.Calls);
    }

    [Fact]
    public async Task A_handler_that_blocks_its_thread_is_answered_at_its_limit_and_cleaned_up_when_it_returns()
    {
        using var release = new ManualResetEventSlim();
        var handler = new StallingHandler
        {
            Rcpt = _ =>
            {
                release.Wait(TimeSpan.FromSeconds(30)); // ignores its token, as a synchronous lookup would
                return ValueTask.FromResult(MilterVerdict.Reject());
            },
        };
        await using var server = await TestServer.StartAsync(handler.Factory(), o => o.HandlerTimeout = TimeSpan.FromMilliseconds(500));
        await using var mta = await TestServer.OpenAsync(server);

        var started = Stopwatch.GetTimestamp();
        await SendMailAndRcptAsync(mta);
        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(4));

        await mta.SendAsync(MilterCommandCode.Quit);
        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0));
        Assert.Equal(["rcpt"], handler.Calls); // nothing overlaps the call still running
        release.Set();
        Assert.True(await TestServer.EventuallyAsync(() => handler.Calls.Contains("dispose")));
        Assert.Equal(["rcpt", "abort", "close", "dispose"], handler.Calls);
    }

    [Fact]
    public async Task When_the_MTA_closes_during_a_handler_its_token_is_cancelled_and_the_connection_and_slot_are_freed()
    {
        var cancelled = new TaskCompletionSource();
        using var release = new ManualResetEventSlim();
        var calls = 0;
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new StallingHandler
        {
            EndOfMessage = async (_, ct) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await using (ct.Register(() => cancelled.TrySetResult()))
                        await Task.Delay(Timeout.Infinite, ct);
                }
                else if (calls == 2)
                {
                    release.Wait(TimeSpan.FromSeconds(30)); // blocks and ignores its token
                }

                return MilterVerdict.Accept;
            },
        });
        await using var server = await TestServer.StartAsync(factory, o => o.MaxConnections = 1);

        foreach (var _ in new[] { "honours its token", "blocks its thread" })
        {
            var mta = await TestServer.OpenAsync(server);
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
            await mta.ReadAsync();
            await mta.SendAsync(MilterCommandCode.EndOfBody);
            await Task.Delay(300);
            await mta.DisposeAsync(); // the MTA gives up and closes

            // The server closes its side at once (no CLOSE-WAIT), frees the slot, and the next MTA connection is served.
            Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0, 5), "the connection was not freed");
        }

        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await using var next = await TestServer.OpenAsync(server);
        await next.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        Assert.Equal(MilterResponse.Continue, await next.ReadAsync());
        release.Set();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_handler_left_running_past_its_limit_still_reads_its_own_chunk_while_the_session_goes_on(bool overSocket)
    {
        // The chunk is the frame's own bytes (no copy) over the server's sockets; they must not be reused under the handler.
        using var release = new ManualResetEventSlim();
        var seen = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new StallingHandler
        {
            Body = (chunk, _) =>
            {
                release.Wait(TimeSpan.FromSeconds(30)); // ignores its token
                seen.TrySetResult(chunk.ToArray());
                return ValueTask.FromResult(MilterVerdict.Continue);
            },
        };
        var limit = TimeSpan.FromMilliseconds(300);
        await using var server = overSocket ? await TestServer.StartAsync(handler.Factory(), o => o.HandlerTimeout = limit) : null;
        await using var mta = server is not null
            ? await TestServer.OpenAsync(server)
            : FakeMta.Start(handler.Factory(), new MilterSessionOptions { Mta = MtaKind.Postfix, HandlerTimeout = limit });
        if (server is null)
        {
            await mta.NegotiateAsync();
            await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "client", ConnectionFamily.IPv4, 1, "192.0.2.1"));
            Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        }

        await SendMailAndRcptAsync(mta);
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, Enumerable.Repeat((byte)'A', 3000).ToArray()));
        Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());

        // The session goes on: more frames pass through the receive buffers the chunk came in.
        await mta.SendAsync(MilterCommandCode.Abort);
        for (var i = 0; i < 20; i++)
        {
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<" + new string('B', 3000) + "@b.example>"));
            Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
            await mta.SendAsync(MilterCommandCode.Abort);
        }

        release.Set();
        var chunk = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(chunk.Length == 3000 && chunk.All(b => b == 'A'), "the handler read bytes that were not its chunk's");
    }

    [Fact]
    public async Task A_synchronous_end_of_message_handler_gets_PROGRESS_like_an_async_one()
    {
        var handler = new StallingHandler
        {
            EndOfMessage = (_, _) =>
            {
                Thread.Sleep(1300);
                return ValueTask.FromResult(MilterVerdict.Accept);
            },
        };
        await using var server = await TestServer.StartAsync(handler.Factory(), o => o.ProgressInterval = TimeSpan.FromMilliseconds(400));
        await using var mta = await TestServer.OpenAsync(server);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        var replies = await mta.ReadUntilFinalAsync();
        Assert.Equal(MilterResponse.Accept, replies[^1]);
        Assert.True(replies.Count(r => r == MilterResponse.Progress) >= 2, $"{replies.Count - 1} PROGRESS before the verdict");
    }

    [Fact]
    public async Task Twenty_blocked_synchronous_handlers_neither_starve_other_sessions_nor_their_own_PROGRESS()
    {
        using var release = new ManualResetEventSlim();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new StallingHandler
        {
            EndOfMessage = (message, _) =>
            {
                if (message.Sender!.Address != "fast@b.example")
                    release.Wait(TimeSpan.FromSeconds(60));
                return ValueTask.FromResult(MilterVerdict.Accept);
            },
        });
        await using var server = await TestServer.StartAsync(factory, o => o.ProgressInterval = TimeSpan.FromSeconds(1));
        var blocked = new List<FakeMta>();
        var began = Stopwatch.GetTimestamp();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var mta = await TestServer.OpenAsync(server);
                await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<slow@b.example>"));
                await mta.ReadAsync();
                await mta.SendAsync(MilterCommandCode.EndOfBody);
                blocked.Add(mta);
            }

            // Another session is served, and each blocked one keeps its MTA waiting with PROGRESS (1 s apart).
            var started = Stopwatch.GetTimestamp();
            var progress = Task.WhenAll(blocked.Select(m => m.ReadAsync()));
            await using (var fast = await TestServer.OpenAsync(server))
            {
                await fast.SendAsync(w => MtaCommandWriter.WriteMail(w, "<fast@b.example>"));
                await fast.ReadAsync();
                await fast.SendAsync(MilterCommandCode.EndOfBody);
                Assert.Equal(MilterResponse.Accept, (await fast.ReadUntilFinalAsync())[^1]);
            }

            // Measured on 2 cores: 3.2 s for all of it; 16 s when the pool adds threads only at its own pace.
            Assert.True(Stopwatch.GetElapsedTime(began) < TimeSpan.FromSeconds(9), $"twenty blocked sessions and one more took {Stopwatch.GetElapsedTime(began)}");
            Assert.All(await progress, r => Assert.Equal(MilterResponse.Progress, r));
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(4), $"the last PROGRESS came {Stopwatch.GetElapsedTime(started)} after the fast session started");
        }
        finally
        {
            release.Set();
            foreach (var mta in blocked)
                await mta.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_forced_stop_cancels_the_token_of_a_handler_that_listens_to_it_and_abandons_nothing()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new StallingHandler
        {
            EndOfMessage = async (_, cancellationToken) =>
            {
                using var watch = cancellationToken.Register(() => cancelled.TrySetResult());
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return MilterVerdict.Accept;
            },
        };
        var log = new ListLogger();
        var options = new MilterServerOptions { Listen = { "inet:0@127.0.0.1" }, ShutdownTimeout = TimeSpan.FromMilliseconds(300) };
        await using var server = new MilterServer(handler.Factory(), options, log);
        await server.StartAsync();
        await using var mta = await TestServer.OpenAsync(server);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        await Task.Delay(100);

        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(server.StopWasForced);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, server.ConnectionCount);
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("abandon", StringComparison.OrdinalIgnoreCase));
    }

    private sealed class SlowAbortHandler : MilterHandler
    {
        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
        {
            using var watch = cancellationToken.Register(() => Cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    [Fact]
    public async Task A_forced_stop_cancels_the_token_of_an_abort_handler_too_though_the_MTA_is_still_there()
    {
        // An abort call is not ended by the MTA's leaving, only by its own limit or the server's abort.
        var handler = new SlowAbortHandler();
        var options = new MilterServerOptions { Listen = { "inet:0@127.0.0.1" }, ShutdownTimeout = TimeSpan.FromMilliseconds(300) };
        await using var server = new MilterServer(MilterHandlerFactory.Create(new MilterDescription(), () => handler), options);
        await server.StartAsync();
        await using var mta = await TestServer.OpenAsync(server);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.Abort);
        await Task.Delay(100);

        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(server.StopWasForced);
        await handler.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_stop_with_a_stuck_handler_closes_its_connection_and_reports_a_forced_stop()
    {
        using var release = new ManualResetEventSlim();
        var handler = new StallingHandler
        {
            EndOfMessage = (_, _) =>
            {
                release.Wait(TimeSpan.FromSeconds(60)); // blocks and ignores its token
                return ValueTask.FromResult(MilterVerdict.Accept);
            },
        };
        var log = new ListLogger();
        using var stop = new CancellationTokenSource();
        var options = new MilterServerOptions { Listen = { "inet:0@127.0.0.1" }, ShutdownTimeout = TimeSpan.FromMilliseconds(500) };
        var server = new MilterServer(handler.Factory(), options, log);
        await server.StartAsync();
        try
        {
            await using var mta = await TestServer.OpenAsync(server);
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
            await mta.ReadAsync();
            await mta.SendAsync(MilterCommandCode.EndOfBody);
            await Task.Delay(200);

            var started = Stopwatch.GetTimestamp();
            await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(server.StopWasForced);
            Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
            Assert.Null(await mta.TryReadAsync(TimeSpan.FromSeconds(5))); // its connection was closed
            Assert.Contains(log.Entries, e => e.Message.Contains("did not finish within", StringComparison.Ordinal));
        }
        finally
        {
            release.Set();
            await server.DisposeAsync();
        }
    }
}
