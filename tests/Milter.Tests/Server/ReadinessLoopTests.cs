using System.Net;
using System.Net.Sockets;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>
/// The readiness loops (<see cref="Readiness"/>): a socket's bytes wake its wait on a loop thread; a loop thread held by
/// a blocking continuation is replaced, so other sockets are still served, and the events it had not reached are
/// handed on, again if the replacement blocks too; the watchdog of an idle process sleeps, and wakes when a loop gets work.
/// </summary>
public sealed class ReadinessLoopTests : IDisposable
{
    private readonly Readiness? _loops = Readiness.Create();
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _sockets = [];
    private readonly ManualResetEventSlim _release = new();

    public ReadinessLoopTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    // As many as there are loop threads: together they hold every one.
    private static int LoopThreads => Math.Max(2, Environment.ProcessorCount);

    [Fact]
    public async Task Loops_held_by_blocking_work_are_replaced_even_after_the_watchdog_slept()
    {
        var loops = LoopsOrSkip();
        Assert.True(await TestServer.EventuallyAsync(() => loops.WatchdogAsleep, 5), "the watchdog of idle loops still ticks");

        await HoldEveryLoopAsync(loops);
        var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await SignalAsync(loops, served.SetResult);

        await served.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Events_a_blocked_replacement_had_not_reached_are_handed_on_again()
    {
        var loops = LoopsOrSkip();
        await HoldEveryLoopAsync(loops);

        // Edges that come while every loop is held: the first replacement takes them as one batch, blocks on the first,
        // and each next replacement must get the rest of the batch it inherited.
        // Not disposed: continuations the test gave up on still count down when the loops are released.
        var started = new CountdownEvent(6);
        for (var i = 0; i < started.InitialCount; i++)
            await SignalAsync(loops, () => Block(started));

        Assert.True(started.Wait(TimeSpan.FromSeconds(5)), $"{started.CurrentCount} of the batch never ran");
    }

    public void Dispose()
    {
        _release.Set();
        foreach (var socket in _sockets)
            socket.Dispose();
        _listener.Dispose();
        // _release is not disposed: continuations the loops reach only now still wait on it, and find it set.
    }

    private Readiness LoopsOrSkip()
    {
        if (_loops is null)
            Assert.Skip("the readiness loops run on Linux x64 only");
        return _loops!;
    }

    private async Task HoldEveryLoopAsync(Readiness loops)
    {
        var blocked = new CountdownEvent(LoopThreads);
        for (var i = 0; i < LoopThreads; i++)
            await SignalAsync(loops, () => Block(blocked));
        Assert.True(blocked.Wait(TimeSpan.FromSeconds(5)), "the blocking continuations did not all start");
    }

    private void Block(CountdownEvent started)
    {
        started.Signal();
        _release.Wait(); // a handler that blocks its thread
    }

    /// <summary>A connected socket whose wait runs <paramref name="onEdge"/>, then a byte that makes it readable.</summary>
    private async Task SignalAsync(Readiness loops, Action onEdge)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(client);
        await client.ConnectAsync(_listener.LocalEndPoint!);
        var server = await _listener.AcceptAsync();
        _sockets.Add(server);
        // The continuation runs on the loop thread that saw the edge, as a receive loop does; the socket joins the epoll
        // set as the wait gets it.
        loops.CreateWait(server).WaitAsync().GetAwaiter().OnCompleted(onEdge);
        await client.SendAsync(new byte[] { 1 });
    }
}
