using Microsoft.Extensions.Logging;

namespace Milter;

/// <summary>The message limits' log line, with a stable event id.</summary>
internal static partial class LimitLog
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Information,
        Message = "Message limit {Limit} reached: {Value} over the limit of {Max}; {Verdict} at {Step} (queue id {QueueId})")]
    public static partial void Reached(ILogger logger, string limit, long value, long max, string verdict, string step, string? queueId);
}
