using System.Net.Sockets;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>
/// A connection whose set-up throws (its session could not be made) must not take the accept loop with it: it is closed
/// at once, its slot is given back, the failure is logged, and the next connection is served.
/// </summary>
public class AcceptLoopTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_connection_whose_set_up_throws_is_closed_and_its_slot_serves_the_next(bool blocking)
    {
        // One slot: the second connection is served only if the first one's slot came back.
        var options = new MilterServerOptions { MaxConnections = 1 };
        var log = new ListLogger();
        var listener = Listener.Bind(MilterAddress.Parse("inet:0@127.0.0.1"), options, log);
        using var slots = new SemaphoreSlim(1, 1);
        using var stop = new CancellationTokenSource();
        var served = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var throttles = (new LogThrottle(TimeSpan.Zero), new LogThrottle(TimeSpan.Zero));
        var accepting = new AcceptLoop(listener, options, slots, log, throttles, socket =>
        {
            if (Interlocked.Increment(ref calls) == 1)
                throw new InvalidOperationException("no session for this one");
            served.SetResult(socket);
        }).Start(blocking, stop.Token);

        try
        {
            using var first = await ConnectAsync(listener);
            Assert.Equal(0, await first.ReceiveAsync(new byte[1]).WaitAsync(TimeSpan.FromSeconds(10)));

            using var second = await ConnectAsync(listener);
            using var admitted = await served.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(second.LocalEndPoint, admitted.RemoteEndPoint);
            Assert.Contains(log.Entries, entry => entry.Exception?.Message == "no session for this one");
        }
        finally
        {
            // The stop, then the listener's close, ends a loop waiting for a slot or blocked in accept.
            await stop.CancelAsync();
            listener.Close();
            await accepting.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static async Task<Socket> ConnectAsync(Listener listener)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(listener.Address.EndPoint);
        return socket;
    }
}
