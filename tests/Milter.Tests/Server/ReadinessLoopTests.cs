using System.Net;
using System.Net.Sockets;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>
/// The readiness loops (<see cref="Readiness"/>): a socket's bytes wake its wait on a loop thread; a loop thread held by
/// a blocking continuation is replaced, so other sockets are still served; the watchdog of an idle process sleeps, and
/// wakes when a loop gets work.
/// </summary>
public class ReadinessLoopTests
{
    [Fact]
    public async Task Loops_held_by_blocking_work_are_replaced_even_after_the_watchdog_slept()
    {
        var loops = Readiness.Create();
        if (loops is null)
        {
            Assert.Skip("the readiness loops run on Linux x64 only");
            return;
        }

        Assert.True(await TestServer.EventuallyAsync(() => loops.WatchdogAsleep, 5), "the watchdog of idle loops still ticks");

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var pairs = new List<(Socket Client, Socket Server)>();
        using var release = new ManualResetEventSlim();
        try
        {
            // As many blocking continuations as there are loop threads, then one more socket that must still be served.
            var blockers = Math.Max(2, Environment.ProcessorCount);
            using var blocked = new CountdownEvent(blockers);
            for (var i = 0; i <= blockers; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await client.ConnectAsync(listener.LocalEndPoint!);
                pairs.Add((client, await listener.AcceptAsync()));
            }

            var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            for (var i = 0; i <= blockers; i++)
            {
                var wait = loops.CreateWait(pairs[i].Server);
                var last = i == blockers;
                // The continuation runs on the loop thread that saw the edge, as a receive loop does; the socket joins the
                // epoll set as the wait gets it.
                wait.WaitAsync().GetAwaiter().OnCompleted(() =>
                {
                    if (last)
                    {
                        served.SetResult();
                        return;
                    }

                    blocked.Signal();
                    release.Wait(); // a handler that blocks its thread
                });
                if (last)
                    Assert.True(blocked.Wait(TimeSpan.FromSeconds(5)), "the blocking continuations did not all start");
                await pairs[i].Client.SendAsync(new byte[] { 1 });
            }

            await served.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            release.Set();
            foreach (var (client, server) in pairs)
            {
                client.Dispose();
                server.Dispose();
            }
        }
    }
}
