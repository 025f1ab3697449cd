using Microsoft.Extensions.Logging;

namespace Milter.State;

/// <summary>The store's log messages, with stable event ids. None carries a credential: stores are named by their addresses.</summary>
internal static partial class StateLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "State store: {Store}; when it is unavailable: {Action}")]
    public static partial void Opened(ILogger logger, string store, StoreUnavailableAction action);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "State store {Store} unavailable ({Fault}: {Reason}); answering {Answer}")]
    public static partial void Unavailable(ILogger logger, string store, StoreFault fault, string reason, string answer);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning,
        Message = "State store {Store} still unavailable ({Fault}: {Reason}) after {Seconds} s; answered {Answer} to {Decisions} more decisions")]
    public static partial void StillUnavailable(ILogger logger, string store, StoreFault fault, string reason, double seconds, string answer, long decisions);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "State store {Store} available again after {Seconds} s; {Decisions} decisions were answered {Answer}")]
    public static partial void Available(ILogger logger, string store, double seconds, long decisions, string answer);

    [LoggerMessage(EventId = 304, Level = LogLevel.Critical,
        Message = "State store {Store} refuses us at start ({Fault}: {Reason}); stopping with exit code 78 (set Milter:Store:StartWhenRefused to start anyway)")]
    public static partial void RefusedAtStart(ILogger logger, string store, StoreFault fault, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "State store {Store} unavailable at start ({Fault}: {Reason}); starting anyway, answering {Action} until it answers")]
    public static partial void UnavailableAtStart(ILogger logger, string store, StoreFault fault, string reason, StoreUnavailableAction action);
}
