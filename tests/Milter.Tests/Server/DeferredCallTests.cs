using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>
/// A handler call started while the receive loop shows the session new bytes waits for that loop's next receive to
/// suspend (HandlerCall.RunDeferred); these are the ways the loop can go on without suspending.
/// </summary>
public class DeferredCallTests
{
    [Fact]
    public async Task Frames_that_arrive_with_the_MTA_closing_behind_them_end_with_the_handler_cleaned_up_and_no_call_lost()
    {
        var handlers = new List<StallingHandler>();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () =>
        {
            var handler = new StallingHandler();
            lock (handlers)
                handlers.Add(handler);
            return handler;
        });
        // A call lost between the loop and the pool would show as a hang: the limit is far beyond the test's patience.
        await using var server = await TestServer.StartAsync(factory, o => o.HandlerTimeout = TimeSpan.FromMinutes(5));

        for (var i = 0; i < 20; i++)
        {
            var mta = await TestServer.OpenAsync(server);
            // Both frames and the FIN together: the loop often reads the end of the stream without waiting again.
            await mta.SendAsync(w =>
            {
                MtaCommandWriter.WriteMail(w, "<a@b.example>");
                MtaCommandWriter.WriteRcpt(w, "<c@d.example>");
            });
            await mta.DisposeAsync();
        }

        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0), $"{server.ConnectionCount} connections still open");
        Assert.True(await TestServer.EventuallyAsync(() => handlers.All(h => h.Calls.Contains("dispose"))),
            string.Join("; ", handlers.Select(h => string.Join(",", h.Calls))));
        // RCPT's call runs if the session reached it before it saw the MTA go (a step for an MTA that has gone is not
        // called); either way the handler gets its abort, close and disposal, and nothing else.
        Assert.All(handlers, h => Assert.Equal(["abort", "close", "dispose"], h.Calls.SkipWhile(c => c == "rcpt")));
        Assert.All(handlers, h => Assert.True(h.Calls.Count(c => c == "rcpt") <= 1));
    }

    [Fact]
    public async Task Frames_streamed_past_the_read_ahead_limit_while_a_call_waits_to_start_all_get_their_calls()
    {
        var handler = new StallingHandler();
        await using var server = await TestServer.StartAsync(handler.Factory(), o => o.HandlerTimeout = TimeSpan.FromMinutes(5));
        await using var mta = await TestServer.OpenAsync(server);
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());

        // More RCPT frames in one write than the loop may read ahead of a running call (64 KiB): it must start the
        // deferred call itself before it waits for that call to end.
        const int Recipients = 3000;
        await mta.SendAsync(w =>
        {
            for (var i = 0; i < Recipients; i++)
                MtaCommandWriter.WriteRcpt(w, $"<recipient-{i:D5}@d.example>");
        });
        for (var i = 0; i < Recipients; i++)
            Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.Equal(Recipients, handler.Calls.Count(c => c == "rcpt"));
    }
}
