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
}
