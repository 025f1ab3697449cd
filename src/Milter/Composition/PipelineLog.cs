using Microsoft.Extensions.Logging;

namespace Milter;

/// <summary>The pipeline's log messages, with stable event ids.</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 2901, Level = LogLevel.Error, Message = "Pipeline {Pipeline}: part {Part} failed at {Step} (queue id {QueueId}); the message gets {Verdict}")]
    public static partial void PartFailed(ILogger logger, Exception exception, string pipeline, string part, MilterSteps step, string? queueId, MilterVerdict verdict);

    [LoggerMessage(EventId = 2902, Level = LogLevel.Error, Message = "Pipeline {Pipeline}: part {Part} returned {Returned} at {Step}, which is not allowed there (queue id {QueueId}); the message gets {Verdict}")]
    public static partial void IllegalVerdict(ILogger logger, string pipeline, string part, MilterVerdict returned, MilterSteps step, string? queueId, MilterVerdict verdict);

    [LoggerMessage(EventId = 2903, Level = LogLevel.Error, Message = "Pipeline {Pipeline}: part {Part} failed while cleaning up at {Step}")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string pipeline, string part, MilterSteps step);

    [LoggerMessage(EventId = 2904, Level = LogLevel.Information, Message = "Pipeline {Pipeline}: dry-run part {Part} would have answered: {Outcome} (queue id {QueueId})")]
    public static partial void DryRun(ILogger logger, string pipeline, string part, string outcome, string? queueId);

    [LoggerMessage(EventId = 2905, Level = LogLevel.Warning, Message = "Pipeline {Pipeline}: the dry-run header of part {Part} was not added: the MTA did not grant adding headers")]
    public static partial void DryRunHeaderRefused(ILogger logger, string pipeline, string part);

    [LoggerMessage(EventId = 2906, Level = LogLevel.Error, Message = "Pipeline {Pipeline}: the message content held for its later parts could not be written or read (queue id {QueueId}); the message is tempfailed")]
    public static partial void HeldContentFailed(ILogger logger, Exception exception, string pipeline, string? queueId);
}
