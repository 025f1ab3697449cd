using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Milter.Hosting;

/// <summary>
/// Feeds systemd's watchdog (<c>WatchdogSec=</c> in the unit) with <c>WATCHDOG=1</c> every half timeout while the
/// milters of the host are alive: it stops when one could not listen or stopped listening while the host runs, and when
/// the process is wedged (the pings come from the thread pool, so a starved or deadlocked pool sends none). systemd then
/// kills the service and, with <c>Restart=on-failure</c>, starts it again. Does nothing when no watchdog is set.
/// </summary>
internal sealed class SystemdWatchdog(WatchdogSettings? settings, MilterLifecycle lifecycle, ILogger<SystemdWatchdog> log) : BackgroundService
{
    private bool _unreachable;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings is null)
            return;
        using var socket = new NotifySocket(settings.NotifySocket);
        using var timer = new PeriodicTimer(settings.PingInterval);
        HostingLog.WatchdogStarted(log, settings.Timeout.TotalSeconds, settings.PingInterval.TotalSeconds);
        string? withheld = null;
        do
        {
            var reason = WhyNotAlive();
            if (reason is null)
                Ping(socket);
            else if (reason != withheld)
                HostingLog.WatchdogWithheld(log, reason);
            withheld = reason;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Why the watchdog must not be fed, or null when every milter is alive (starting, listening, or draining at a stop).</summary>
    private string? WhyNotAlive()
    {
        foreach (var server in lifecycle.Servers)
        {
            if (server.State == MilterLifecycle.ServerState.Failed)
                return $"{server.Filter} could not listen: {server.Failure}";
            if (server.State == MilterLifecycle.ServerState.Stopped && !lifecycle.Stopping)
                return $"{server.Filter} stopped listening";
        }

        return null;
    }

    private void Ping(NotifySocket socket)
    {
        try
        {
            socket.Send("WATCHDOG=1");
            _unreachable = false;
        }
        catch (SocketException e) when (!_unreachable)
        {
            // Once until a ping goes through again, not every few seconds.
            _unreachable = true;
            HostingLog.WatchdogUnreachable(log, settings!.NotifySocket, e.Message);
        }
        catch (SocketException)
        {
        }
    }
}
