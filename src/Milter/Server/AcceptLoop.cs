using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Milter.Server;

/// <summary>
/// Accepts one listener's connections within the server's connection limit and hands each to the server. A failed
/// accept (a client that gave up first, no file descriptor left) is logged, at most every 10 seconds, and serving goes on.
/// </summary>
/// <remarks>
/// Where connections are served on the server's epoll loops, the loop has a thread of its own that blocks in accept: a
/// new connection then wakes that thread alone, where .NET's socket engine would wake its own thread and then a pool
/// thread (which spins on its way back to sleep); the connection moves to a loop thread at its first wait.
/// </remarks>
internal sealed class AcceptLoop(Listener listener, MilterServerOptions options, SemaphoreSlim slots, ILogger log,
    (LogThrottle Refusals, LogThrottle Failures) throttles, Action<Socket> admit)
{
    /// <summary>Starts accepting until <paramref name="stopping"/> fires and the listener is closed.</summary>
    /// <param name="blocking">Wait in blocking calls, on a thread of the loop's own; otherwise asynchronously, on the pool.</param>
    /// <param name="stopping">The server's stop.</param>
    public Task Start(bool blocking, CancellationToken stopping) => blocking
        ? Task.Factory.StartNew(() => RunAsync(blocking, stopping), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()
        : Task.Run(() => RunAsync(blocking, stopping), CancellationToken.None);

    private async Task RunAsync(bool blocking, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                if (!options.RefuseExcessConnections)
                {
                    if (blocking)
                        slots.Wait(stopping);
                    else
                        await slots.WaitAsync(stopping).ConfigureAwait(false);
                }

                try
                {
                    // A blocking accept ends when the stop closes the listener.
                    socket = blocking ? listener.Socket.Accept() : await listener.Socket.AcceptAsync(stopping).ConfigureAwait(false);
                }
                catch
                {
                    if (!options.RefuseExcessConnections)
                        slots.Release();
                    throw;
                }
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // Without spinning or flooding the log while a shortage lasts.
                if (throttles.Failures.ShouldLog(out var heldBack))
                    ServerLog.AcceptFailed(log, listener.Address, e.SocketErrorCode, e.Message, heldBack);
                if (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    if (blocking)
                        Thread.Sleep(100);
                    else
                        await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }

                continue;
            }

            if (options.RefuseExcessConnections && !slots.Wait(0))
            {
                // Closed at once, so the MTA applies its default action now instead of waiting out its connect timeout.
                socket.Dispose();
                MilterMetrics.RecordRefused("limit");
                if (throttles.Refusals.ShouldLog(out var heldBack))
                    ServerLog.Refused(log, options.MaxConnections, heldBack);
                continue;
            }

            try
            {
                listener.Configure(socket);
                admit(socket);
            }
            catch (Exception e)
            {
                // Not served (its session could not be set up): the others still are, and this one is closed at once.
                socket.Dispose();
                slots.Release();
                ServerLog.ConnectionFailed(log, e);
            }
        }
    }
}
