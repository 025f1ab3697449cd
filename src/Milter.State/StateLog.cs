using Microsoft.Extensions.Logging;

namespace Milter.State;

/// <summary>The store's log messages, with stable event ids.</summary>
internal static partial class StateLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "State store: {Store}; when it is unavailable: {Action}")]
    public static partial void Opened(ILogger logger, string store, StoreUnavailableAction action);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "State store {Store} unavailable ({Reason}): answering {Action} ({Suppressed} more since the last warning)")]
    public static partial void Unavailable(ILogger logger, string store, string reason, StoreUnavailableAction action, long suppressed);
}
