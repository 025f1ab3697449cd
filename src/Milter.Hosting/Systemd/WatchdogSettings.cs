using System.Globalization;

namespace Milter.Hosting;

/// <summary>
/// The systemd watchdog this process must feed, from the variables systemd sets for a unit with <c>WatchdogSec=</c>
/// (what <c>sd_watchdog_enabled</c> reads): <c>WATCHDOG_USEC</c>, <c>WATCHDOG_PID</c> when set, and <c>NOTIFY_SOCKET</c>.
/// </summary>
/// <param name="NotifySocket">Where to send the pings: a path, or an abstract name starting with <c>@</c>.</param>
/// <param name="Timeout">How long systemd waits for a ping before it kills and restarts the service.</param>
internal sealed record WatchdogSettings(string NotifySocket, TimeSpan Timeout)
{
    /// <summary>How often to ping: half the timeout, as systemd recommends.</summary>
    public TimeSpan PingInterval => Timeout / 2;

    /// <summary>The settings for this process, or null when systemd watches no watchdog for it.</summary>
    public static WatchdogSettings? FromEnvironment() => From(Environment.GetEnvironmentVariable, Environment.ProcessId);

    /// <summary>The settings these variables give process <paramref name="processId"/>, or null for none.</summary>
    public static WatchdogSettings? From(Func<string, string?> environment, int processId)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0)
            return null;
        // Set for the main process only: a child that inherited the variables must not feed its parent's watchdog.
        if (environment("WATCHDOG_PID") is { Length: > 0 } pid
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) || owner != processId))
        {
            return null;
        }

        return environment("NOTIFY_SOCKET") is { Length: > 0 } socket ? new WatchdogSettings(socket, TimeSpan.FromMicroseconds(microseconds)) : null;
    }
}
