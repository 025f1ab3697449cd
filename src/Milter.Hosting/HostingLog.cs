using Microsoft.Extensions.Logging;

namespace Milter.Hosting;

/// <summary>The hosting layer's log messages, with stable event ids.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Critical, Message = "{Reason}")]
    public static partial void CannotListen(ILogger logger, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "SIGHUP received: reloading the configuration")]
    public static partial void Hangup(ILogger logger);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "The reloaded configuration is not valid; the settings stay as they were: {Problems}")]
    public static partial void ReloadRefused(ILogger logger, string problems);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "systemd watchdog: {Timeout} s; pinging every {Interval} s while the milter is alive")]
    public static partial void WatchdogStarted(ILogger logger, double timeout, double interval);

    [LoggerMessage(EventId = 204, Level = LogLevel.Critical, Message = "systemd watchdog: no longer pinging, systemd will restart the service: {Reason}")]
    public static partial void WatchdogWithheld(ILogger logger, string reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "systemd watchdog: cannot reach the notification socket {Socket}: {Problem}")]
    public static partial void WatchdogUnreachable(ILogger logger, string socket, string problem);
}
