using Microsoft.Extensions.Logging;

namespace Milter.Server;

/// <summary>The server's log messages, with stable event ids.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Milter listening on {Address}")]
    public static partial void Listening(ILogger logger, MilterAddress address);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Milter stopping: {Count} connections open")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Milter stop: {Count} connections did not finish within {Timeout}; closing them")]
    public static partial void Aborting(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Connection refused: {Max} connections already open")]
    public static partial void Refused(ILogger logger, int max);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Accepting connections on {Address} failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, MilterAddress address);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Milter connection failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Removed stale socket {Path}")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);
}
