using System.Buffers;
using System.Diagnostics;
using Milter.Protocol;

namespace Milter;

public sealed partial class MilterSession
{
    /// <summary>A failure at a step that could not be answered, delivered at the next step the MTA waits for.</summary>
    private readonly record struct PendingFailure(MilterVerdict Verdict, bool MessageLevel);

    /// <summary>Runs one replying-or-no-reply step: calls the handler if it takes part, answers the MTA if it waits, applies the verdict's consequences.</summary>
    private async ValueTask<MilterVerdict> StepAsync(MilterSteps step, MilterFrame frame, bool replyToMta = true)
    {
        var negotiatedNoReply = (_negotiation!.Protocol & NoReplyFlag(step)) != 0;
        var mustReply = replyToMta && !negotiatedNoReply;
        var describedNoReply = (_description.NoReplySteps & step) != 0;
        var messageStep = step is not (MilterSteps.Connect or MilterSteps.Helo or MilterSteps.Unknown);

        var verdict = MilterVerdict.Continue;
        var failed = false;
        var skipHandler = (_description.Steps & step) == 0 || _connectionDecided
            || (messageStep && _message == MessageState.Decided) || (step == MilterSteps.Body && _skipBody);
        if (skipHandler)
        {
            // Not this milter's step (or already decided): the MTA may still send it and wait.
        }
        else if (mustReply && !describedNoReply && _pendingFailure is { } pending)
        {
            verdict = pending.Verdict;
            _pendingFailure = null;
            failed = true;
        }
        else
        {
            (verdict, failed) = await InvokeAsync(step, frame).ConfigureAwait(false);
        }

        if (failed && !mustReply)
        {
            _pendingFailure = new PendingFailure(verdict, messageStep);
            verdict = MilterVerdict.Continue;
        }
        else if (!failed && (describedNoReply || negotiatedNoReply) && verdict != MilterVerdict.Continue)
        {
            SessionLog.VerdictDropped(_log, ConnectionId, step, verdict, _context!.QueueId);
            verdict = MilterVerdict.Continue;
        }

        if (verdict.Kind == MilterVerdictKind.Skip && (_negotiation.Protocol & ProtocolFlags.Skip) == 0)
        {
            // The MTA cannot skip: take the rest of the body without passing it to the handler.
            _skipBody = true;
            verdict = MilterVerdict.Continue;
        }

        if (mustReply)
        {
            Reply(verdict);
            MilterMetrics.RecordVerdict(step, verdict.Kind);
        }

        if (!replyToMta)
            return verdict;
        if (verdict.Kind == MilterVerdictKind.Skip)
        {
            _skipBody = true;
        }
        else if (verdict.IsFinal)
        {
            if (step is MilterSteps.Connect or MilterSteps.Helo)
                _connectionDecided = true;
            else if (step is not (MilterSteps.Rcpt or MilterSteps.Unknown))
                await DecideMessageAsync().ConfigureAwait(false);
        }

        return verdict;
    }

    /// <summary>
    /// Calls the handler for a step; an exception, an overrun of the time limit or an illegal verdict becomes the default
    /// verdict, as does every step once the handler is retired.
    /// </summary>
    private async ValueTask<(MilterVerdict Verdict, bool Failed)> InvokeAsync(MilterSteps step, MilterFrame frame)
    {
        if (_retired)
            return (_options.DefaultVerdict, true);
        var context = _context!;
        var started = Stopwatch.GetTimestamp();
        MilterVerdict verdict;
        byte[]? chunk = null;
        try
        {
            verdict = step switch
            {
                MilterSteps.Connect => await CallHandlerAsync(step, (h, ct) => h.OnConnectAsync(context, context.Connection!, ct)).ConfigureAwait(false),
                MilterSteps.Helo => await CallHandlerAsync(step, (h, ct) => h.OnHeloAsync(context, context.HeloName!, ct)).ConfigureAwait(false),
                MilterSteps.Mail => await CallHandlerAsync(step, (h, ct) => h.OnMailAsync(context, context.Sender!, ct)).ConfigureAwait(false),
                MilterSteps.Rcpt => await CallHandlerAsync(step, (h, ct) => h.OnRcptAsync(context, context.Recipients[^1], ct)).ConfigureAwait(false),
                MilterSteps.Data => await CallHandlerAsync(step, (h, ct) => h.OnDataAsync(context, ct)).ConfigureAwait(false),
                MilterSteps.Header => await CallHeaderAsync(context, frame).ConfigureAwait(false),
                MilterSteps.EndOfHeaders => await CallHandlerAsync(step, (h, ct) => h.OnEndOfHeadersAsync(context, ct)).ConfigureAwait(false),
                MilterSteps.Body => await CallBodyAsync(context, chunk = CopyOf(frame.Payload), frame.Payload.Length).ConfigureAwait(false),
                MilterSteps.Unknown => await CallUnknownAsync(context, frame).ConfigureAwait(false),
                _ => throw new UnreachableException($"{step} is not a replying step."),
            };
        }
        catch (HandlerTimeoutException e)
        {
            MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", MilterMetrics.StepName(step)));
            SessionLog.HandlerTimedOut(_log, ConnectionId, step, e.Limit, context.QueueId, _options.DefaultVerdict);
            return (_options.DefaultVerdict, true);
        }
        catch (Exception e) when (e is not PeerClosedException && !_cancellation.IsCancellationRequested)
        {
            MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", MilterMetrics.StepName(step)));
            SessionLog.HandlerFailed(_log, e, ConnectionId, step, context.QueueId, _options.DefaultVerdict);
            return (_options.DefaultVerdict, true);
        }
        finally
        {
            MilterMetrics.RecordDuration(step, started);
            if (chunk is not null)
                ReturnWhenDone(chunk, _running);
        }

        if (!IsAllowed(step, verdict.Kind))
        {
            MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", MilterMetrics.StepName(step)));
            SessionLog.IllegalVerdict(_log, ConnectionId, step, verdict, context.QueueId, _options.DefaultVerdict);
            return (_options.DefaultVerdict, true);
        }

        return (verdict, false);
    }

    private ValueTask<MilterVerdict> CallHeaderAsync(MilterContext context, MilterFrame frame)
    {
        var header = HeaderCommand.Parse(frame.Payload);
        var (name, value) = (header.GetName(), header.GetValue());
        return CallHandlerAsync(MilterSteps.Header, (h, ct) => h.OnHeaderAsync(context, name, value, ct));
    }

    private ValueTask<MilterVerdict> CallUnknownAsync(MilterContext context, MilterFrame frame)
    {
        var command = TextCommand.Parse(frame.Payload, MilterCommandCode.Unknown).GetText();
        return CallHandlerAsync(MilterSteps.Unknown, (h, ct) => h.OnUnknownAsync(context, command, ct));
    }

    private ValueTask<MilterVerdict> CallBodyAsync(MilterContext context, byte[] chunk, int length) =>
        CallHandlerAsync(MilterSteps.Body, (h, ct) => h.OnBodyChunkAsync(context, chunk.AsMemory(0, length), ct));

    /// <summary>
    /// A body chunk goes to the handler as a pooled copy: the frame's own bytes go back to the receive buffers when the
    /// session moves on, which it does without waiting for a handler that overran its limit.
    /// </summary>
    private static byte[] CopyOf(ReadOnlyMemory<byte> payload)
    {
        var copy = ArrayPool<byte>.Shared.Rent(payload.Length);
        payload.Span.CopyTo(copy);
        return copy;
    }

    private static void ReturnWhenDone(byte[] chunk, Task call)
    {
        if (call.IsCompleted)
            ArrayPool<byte>.Shared.Return(chunk);
        else
            call.ContinueWith(static (_, state) => ArrayPool<byte>.Shared.Return((byte[])state!), chunk, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>End of message: the handler's changes and its verdict go out in one write.</summary>
    private async ValueTask EndOfMessageAsync()
    {
        var verdict = MilterVerdict.Continue;
        var failed = false;
        EndOfMessageContext? message = null;
        if (_message == MessageState.Decided || _connectionDecided)
        {
            // This milter already decided; the MTA should not have asked, but it waits for an answer.
        }
        else if (_pendingFailure is { } pending)
        {
            verdict = pending.Verdict;
            _pendingFailure = null;
            failed = true;
            // A failure at a step without a reply decided this message: the handler ends it with an abort, not end of message.
            if (_message == MessageState.Open)
                await CallAbortAsync().ConfigureAwait(false);
        }
        else if (_retired)
        {
            (verdict, failed) = (_options.DefaultVerdict, true);
        }
        else
        {
            message = new EndOfMessageContext(_context!, SendProgressAsync);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var context = message;
                verdict = await CallHandlerAsync(MilterSteps.EndOfMessage, (h, ct) => h.OnEndOfMessageAsync(context, ct)).ConfigureAwait(false);
                if (!IsAllowed(MilterSteps.EndOfMessage, verdict.Kind))
                {
                    MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", "eom"));
                    SessionLog.IllegalVerdict(_log, ConnectionId, MilterSteps.EndOfMessage, verdict, _context!.QueueId, _options.DefaultVerdict);
                    (verdict, failed) = (_options.DefaultVerdict, true);
                }
            }
            catch (HandlerTimeoutException e)
            {
                MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", "eom"));
                SessionLog.HandlerTimedOut(_log, ConnectionId, MilterSteps.EndOfMessage, e.Limit, _context!.QueueId, _options.DefaultVerdict);
                (verdict, failed) = (_options.DefaultVerdict, true);
            }
            catch (Exception e) when (e is not PeerClosedException && !_cancellation.IsCancellationRequested)
            {
                MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", "eom"));
                // A missing action is a set-up mistake, not a crash: its message says what to fix, a stack trace would bury it.
                if (e is ActionNotNegotiatedException missing)
                    SessionLog.ActionNotNegotiated(_log, ConnectionId, _context!.QueueId, _options.DefaultVerdict, missing.Message);
                else
                    SessionLog.HandlerFailed(_log, e, ConnectionId, MilterSteps.EndOfMessage, _context!.QueueId, _options.DefaultVerdict);
                (verdict, failed) = (_options.DefaultVerdict, true);
            }
            finally
            {
                message.Complete();
                MilterMetrics.RecordDuration(MilterSteps.EndOfMessage, started);
            }
        }

        await _writeLock.WaitAsync(_cancellation).ConfigureAwait(false);
        try
        {
            // Changes matter only for a message that is delivered; after a failure none are sent half-made.
            if (message is not null && !failed && verdict.Kind is MilterVerdictKind.Continue or MilterVerdictKind.Accept)
            {
                try
                {
                    await message.WriteActionsAsync(_output, FlushAsync, _cancellation).ConfigureAwait(false);
                    foreach (var action in message.Actions)
                        MilterMetrics.RecordAction(action);
                }
                catch (IOException e) when (!_cancellation.IsCancellationRequested && !_outputBroken)
                {
                    // Part of the body may be out: only a tempfail makes the MTA drop every change.
                    MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", "eom"));
                    SessionLog.HandlerFailed(_log, e, ConnectionId, MilterSteps.EndOfMessage, _context!.QueueId, MilterVerdict.Tempfail());
                    verdict = MilterVerdict.Tempfail();
                }
            }

            Reply(verdict);
        }
        finally
        {
            message?.DisposeBody();
            _writeLock.Release();
        }

        MilterMetrics.Messages.Add(1);
        MilterMetrics.RecordVerdict(MilterSteps.EndOfMessage, verdict.Kind);
        ResetMessage();
    }

    /// <summary>This milter made a final decision in the middle of a message: the message is over for it.</summary>
    private async ValueTask DecideMessageAsync()
    {
        if (_message == MessageState.Open)
            await CallAbortAsync().ConfigureAwait(false);
        _message = MessageState.Decided;
    }

    /// <summary>ABORT, or a new MAIL or HELO without one: the current message, if any, is abandoned.</summary>
    private async ValueTask AbandonMessageAsync(bool synthesised)
    {
        if (_message == MessageState.None)
            return;
        if (_message == MessageState.Open)
        {
            if (synthesised)
                SessionLog.AbortSynthesised(_log, ConnectionId);
            await CallAbortAsync().ConfigureAwait(false);
        }

        ResetMessage();
    }

    private void ResetMessage()
    {
        _message = MessageState.None;
        _stage = MessageStage.None;
        _skipBody = false;
        if (_pendingFailure is { MessageLevel: true })
            _pendingFailure = null;
        _context?.EndMessage();
    }

    private static bool IsAllowed(MilterSteps step, MilterVerdictKind kind) => kind switch
    {
        MilterVerdictKind.Skip => step == MilterSteps.Body,
        MilterVerdictKind.Discard => step is not (MilterSteps.Connect or MilterSteps.Helo),
        _ => true,
    };

    private static ProtocolFlags NoReplyFlag(MilterSteps step)
    {
        foreach (var (candidate, _, noReply) in MilterDescription.StepFlags)
        {
            if (candidate == step)
                return noReply;
        }

        return ProtocolFlags.None;
    }
}
