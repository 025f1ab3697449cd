using System.Net.Sockets;
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

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Connection refused: {Max} connections already open (MaxConnections); {HeldBack} more refused since the last such line")]
    public static partial void Refused(ILogger logger, int max, int heldBack);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Accepting a connection on {Address} failed ({Error}: {Reason}); {HeldBack} more failures since the last such line")]
    public static partial void AcceptFailed(ILogger logger, MilterAddress address, SocketError error, string reason, int heldBack);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Milter connection failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Removed stale socket {Path}")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);

    [LoggerMessage(EventId = 107, Level = LogLevel.Critical, Message = "{Reason}")]
    public static partial void CannotListen(ILogger logger, string reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "SIGHUP received: nothing to reload; the milter goes on")]
    public static partial void HangupIgnored(ILogger logger);

    [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "Milter stop: {Count} connections still have a handler that ignores its cancellation token; abandoning them")]
    public static partial void Abandoned(ILogger logger, int count);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "MaxConnections is {Max}, but the process may open only {Files} files; raise LimitNOFILE (systemd) or ulimit -n")]
    public static partial void FewFileDescriptors(ILogger logger, int max, ulong files);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Connection closed: the {Budget} MiB all connections may hold for incoming frames (MaxBufferedBytes) are in use; {HeldBack} more closed since the last such line")]
    public static partial void BudgetExhausted(ILogger logger, long budget, int heldBack);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "Settings reloaded for new connections: {Applied}")]
    public static partial void Reloaded(ILogger logger, string applied);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Settings changed that take effect only after a restart: {Settings}")]
    public static partial void ReloadNeedsRestart(ILogger logger, string settings);
}
