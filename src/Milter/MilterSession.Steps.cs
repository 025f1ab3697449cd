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

    /// <summary>Calls the handler for a step; an exception or an illegal verdict becomes the default verdict.</summary>
    private async ValueTask<(MilterVerdict Verdict, bool Failed)> InvokeAsync(MilterSteps step, MilterFrame frame)
    {
        var handler = _handler!;
        var context = _context!;
        var started = Stopwatch.GetTimestamp();
        MilterVerdict verdict;
        try
        {
            verdict = step switch
            {
                MilterSteps.Connect => await Bounded(handler.OnConnectAsync(context, context.Connection!, _cancellation)).ConfigureAwait(false),
                MilterSteps.Helo => await Bounded(handler.OnHeloAsync(context, context.HeloName!, _cancellation)).ConfigureAwait(false),
                MilterSteps.Mail => await Bounded(handler.OnMailAsync(context, context.Sender!, _cancellation)).ConfigureAwait(false),
                MilterSteps.Rcpt => await Bounded(handler.OnRcptAsync(context, context.Recipients[^1], _cancellation)).ConfigureAwait(false),
                MilterSteps.Data => await Bounded(handler.OnDataAsync(context, _cancellation)).ConfigureAwait(false),
                MilterSteps.Header => await Bounded(InvokeHeader(handler, context, frame)).ConfigureAwait(false),
                MilterSteps.EndOfHeaders => await Bounded(handler.OnEndOfHeadersAsync(context, _cancellation)).ConfigureAwait(false),
                MilterSteps.Body => await Bounded(handler.OnBodyChunkAsync(context, frame.Payload, _cancellation)).ConfigureAwait(false),
                MilterSteps.Unknown => await Bounded(handler.OnUnknownAsync(context, TextCommand.Parse(frame.Payload, MilterCommandCode.Unknown).GetText(), _cancellation)).ConfigureAwait(false),
                _ => throw new UnreachableException($"{step} is not a replying step."),
            };
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", MilterMetrics.StepName(step)));
            SessionLog.HandlerFailed(_log, e, ConnectionId, step, context.QueueId, _options.DefaultVerdict);
            return (_options.DefaultVerdict, true);
        }
        finally
        {
            MilterMetrics.RecordDuration(step, started);
        }

        if (!IsAllowed(step, verdict.Kind))
        {
            MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", MilterMetrics.StepName(step)));
            SessionLog.IllegalVerdict(_log, ConnectionId, step, verdict, context.QueueId, _options.DefaultVerdict);
            return (_options.DefaultVerdict, true);
        }

        return (verdict, false);
    }

    /// <summary>
    /// Waits for a handler, but no longer than the session lives: a handler that ignores its cancellation token
    /// must not keep a connection (or a server shutdown) hanging. Synchronous results cost nothing extra.
    /// </summary>
    private ValueTask<MilterVerdict> Bounded(ValueTask<MilterVerdict> task) =>
        task.IsCompleted || !_cancellation.CanBeCanceled ? task : new ValueTask<MilterVerdict>(task.AsTask().WaitAsync(_cancellation));

    private ValueTask<MilterVerdict> InvokeHeader(IMilterHandler handler, MilterContext context, MilterFrame frame)
    {
        var header = HeaderCommand.Parse(frame.Payload);
        return handler.OnHeaderAsync(context, header.GetName(), header.GetValue(), _cancellation);
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
        }
        else
        {
            message = new EndOfMessageContext(_context!, SendProgressAsync);
            var started = Stopwatch.GetTimestamp();
            try
            {
                verdict = await RunEndOfMessageHandlerAsync(message).ConfigureAwait(false);
                if (!IsAllowed(MilterSteps.EndOfMessage, verdict.Kind))
                {
                    MilterMetrics.HandlerErrors.Add(1, new KeyValuePair<string, object?>("step", "eom"));
                    SessionLog.IllegalVerdict(_log, ConnectionId, MilterSteps.EndOfMessage, verdict, _context!.QueueId, _options.DefaultVerdict);
                    (verdict, failed) = (_options.DefaultVerdict, true);
                }
            }
            catch (Exception e) when (!_cancellation.IsCancellationRequested)
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
                    await message.WriteActionsAsync(_output, _cancellation).ConfigureAwait(false);
                    foreach (var action in message.Actions)
                        MilterMetrics.RecordAction(action);
                }
                catch (IOException e) when (!_cancellation.IsCancellationRequested)
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

    private async ValueTask<MilterVerdict> RunEndOfMessageHandlerAsync(EndOfMessageContext message)
    {
        var task = Bounded(_handler!.OnEndOfMessageAsync(message, _cancellation));
        if (task.IsCompleted || _options.ProgressInterval is not { } interval)
            return await task.ConfigureAwait(false);

        // A slow but healthy handler must not hit the MTA's timeout (Sendmail reads with 10 s by default).
        var pending = task.AsTask();
        while (true)
        {
            var tick = Task.Delay(interval, _cancellation);
            if (await Task.WhenAny(pending, tick).ConfigureAwait(false) == pending)
                return await pending.ConfigureAwait(false);
            await SendProgressAsync(_cancellation).ConfigureAwait(false);
        }
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

    private async ValueTask CallAbortAsync()
    {
        try
        {
            await _handler!.OnAbortAsync(_context!, _cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            SessionLog.CleanupFailed(_log, e, ConnectionId, MilterSteps.Abort);
        }
    }

    /// <summary>The SMTP connection is over (QUIT, QUIT_NC, EOF, error): abort an open message, close, dispose.</summary>
    private async ValueTask EndConnectionAsync()
    {
        var handler = _handler;
        if (handler is null)
            return;
        _handler = null;
        try
        {
            if (_message == MessageState.Open)
                await handler.OnAbortAsync(_context!, _cancellation).ConfigureAwait(false);
            _message = MessageState.None;
            await handler.OnCloseAsync(_context!, _cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (!_cancellation.IsCancellationRequested)
        {
            SessionLog.CleanupFailed(_log, e, ConnectionId, MilterSteps.Close);
        }
        finally
        {
            if (handler is IAsyncDisposable asyncDisposable)
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            else if (handler is IDisposable disposable)
                disposable.Dispose();
        }
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
