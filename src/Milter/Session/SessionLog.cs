using Microsoft.Extensions.Logging;

namespace Milter;

/// <summary>The session's log messages, with stable event ids.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Milter connection {ConnectionId} opened")]
    public static partial void Opened(ILogger logger, long connectionId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Milter connection {ConnectionId} closed after {MessageCount} messages")]
    public static partial void Closed(ILogger logger, long connectionId, int messageCount);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Milter connection {ConnectionId} negotiated {Negotiation}")]
    public static partial void Negotiated(ILogger logger, long connectionId, Protocol.OptionNegotiation negotiation);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Milter connection {ConnectionId}: negotiation failed, closing without a reply: {Reason}")]
    public static partial void NegotiationFailed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Milter connection {ConnectionId}: protocol error ({Error}), closing the connection: {Reason}")]
    public static partial void ProtocolError(ILogger logger, long connectionId, Protocol.MilterProtocolError error, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Milter connection {ConnectionId}: the {Step} handler failed (queue id {QueueId}); answering {Verdict}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, long connectionId, MilterSteps step, string? queueId, MilterVerdict verdict);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Milter connection {ConnectionId}: the {Step} handler returned {Returned}, which is not allowed at that step (queue id {QueueId}); answering {Verdict}")]
    public static partial void IllegalVerdict(ILogger logger, long connectionId, MilterSteps step, MilterVerdict returned, string? queueId, MilterVerdict verdict);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Milter connection {ConnectionId}: the {Step} handler returned {Returned} at a no-reply step; the MTA cannot receive it (queue id {QueueId})")]
    public static partial void VerdictDropped(ILogger logger, long connectionId, MilterSteps step, MilterVerdict returned, string? queueId);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Milter connection {ConnectionId}: closing after {Timeout} without data from the MTA")]
    public static partial void TimedOut(ILogger logger, long connectionId, TimeSpan timeout);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Milter connection {ConnectionId}: the MTA went away: {Reason}")]
    public static partial void PeerGone(ILogger logger, long connectionId, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Milter connection {ConnectionId}: the {Step} handler failed while cleaning up")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, long connectionId, MilterSteps step);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Milter connection {ConnectionId}: new message started without ABORT; abandoning the previous one")]
    public static partial void AbortSynthesised(ILogger logger, long connectionId);

    [LoggerMessage(EventId = 13, Message = "Milter connection {ConnectionId}: the MTA does not offer {Options}; the session will handle them itself")]
    private static partial void OptionsUnavailable(ILogger logger, LogLevel level, long connectionId, Protocol.ProtocolFlags options);

    private static int s_lastUnavailable = -1;

    /// <summary>
    /// The same MTA offers the same on every connection: said at Information the first time (and when it changes), at
    /// Debug after that, so a busy milter's log is not one line per connection.
    /// </summary>
    public static void OptionsUnavailable(ILogger logger, long connectionId, Protocol.ProtocolFlags options)
    {
        var first = Interlocked.Exchange(ref s_lastUnavailable, (int)options) != (int)options;
        OptionsUnavailable(logger, first ? LogLevel.Information : LogLevel.Debug, connectionId, options);
    }

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Milter connection {ConnectionId}: the end-of-message handler made a change that was not negotiated (queue id {QueueId}); answering {Verdict}. {Problem}")]
    public static partial void ActionNotNegotiated(ILogger logger, long connectionId, string? queueId, MilterVerdict verdict, string problem);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Milter connection {ConnectionId}: closing: no option negotiation within {Timeout} ({Received} bytes received)")]
    public static partial void NegotiationTimedOut(ILogger logger, long connectionId, TimeSpan timeout, long received);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Milter connection {ConnectionId}: closing: a frame took longer than {Timeout} to arrive ({Received} bytes of it received)")]
    public static partial void FrameTimedOut(ILogger logger, long connectionId, TimeSpan timeout, long received);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Milter connection {ConnectionId}: the {Step} handler did not return within {Limit} (queue id {QueueId}); answering {Verdict}, cancelling its token, and calling it no more on this SMTP connection")]
    public static partial void HandlerTimedOut(ILogger logger, long connectionId, MilterSteps step, TimeSpan limit, string? queueId, MilterVerdict verdict);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Milter connection {ConnectionId}: closing: a body chunk of {Length} bytes took longer than {Timeout} to arrive (the milter reads no body, so its bytes were dropped as they came)")]
    public static partial void DroppedBodyTimedOut(ILogger logger, long connectionId, long length, TimeSpan timeout);
}
