using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// Runs a step: whether the handler takes part, its verdict judged and answered, what a final verdict ends; the end of
/// message with its changes; an abandoned message's abort and an SMTP connection's close.
/// </summary>
internal abstract partial class StepRunner : HandlerInvoker
{
    /// <summary>The current SMTP connection: its handler, context and message; null before negotiation and between connections.</summary>
    private protected SmtpConnection? _smtp;

    private protected StepRunner(MilterDescription description, MilterSessionOptions options, ILogger log)
        : base(description, options, log)
    {
    }

    /// <summary>
    /// Runs one step: calls the handler if it takes part, answers the MTA if it waits, and applies the verdict's
    /// consequences. A failure at a step the MTA does not wait for is answered at the next step it waits for.
    /// </summary>
    private protected ValueTask<MilterVerdict> StepAsync(SmtpConnection smtp, MilterSteps step, in StepArguments arguments, bool replyToMta = true) =>
        StepAsync(StartStep(smtp, step, arguments, replyToMta));

    /// <summary>Runs a step <see cref="StartStep"/> began: its call awaited, then <see cref="EndStepAsync"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private protected async ValueTask<MilterVerdict> StepAsync(StartedStep started)
    {
        var outcome = await started.Outcome.ConfigureAwait(false);
        return await EndStepAsync(started, outcome).ConfigureAwait(false);
    }

    /// <summary>
    /// The first half of a step, up to its handler call: whether the handler takes part, and its call started if it does
    /// (await <see cref="StartedStep.Outcome"/>, then hand it to <see cref="EndStepAsync"/>). Split so that the read loop
    /// awaits the call itself, with no async level of the step's own between.
    /// </summary>
    private protected StartedStep StartStep(SmtpConnection smtp, MilterSteps step, in StepArguments arguments, bool replyToMta = true)
    {
        var mustReply = replyToMta && (smtp.Context.Negotiation.Protocol & NoReplyFlag(step)) == 0;
        var describedNoReply = (_description.NoReplySteps & step) != 0;
        var messageStep = IsMessageStep(step);
        var takesPart = (_description.Steps & step) != 0 && !smtp.Decided
            && !(messageStep && smtp.Message.State == MessageState.Decided) && !(step == MilterSteps.Body && smtp.SkipBody);
        if (!takesPart)
        {
            // Not this milter's step (or already decided): the MTA may still send it and wait. A body the milter does not
            // read, and could not switch off at negotiation, ends at its first chunk where the MTA can skip.
            var skip = step == MilterSteps.Body && (_description.Steps & step) == 0 && (smtp.Context.Negotiation.Protocol & ProtocolFlags.Skip) != 0;
            return new(smtp, step, replyToMta, Called: false, default, skip ? MilterVerdict.Skip : MilterVerdict.Continue, Failed: false);
        }

        if (mustReply && !describedNoReply && smtp.PendingFailure is { } pending)
        {
            smtp.PendingFailure = null;
            return new(smtp, step, replyToMta, Called: false, default, pending.Verdict, Failed: true);
        }

        return smtp.Retired
            ? new(smtp, step, replyToMta, Called: false, default, _options.DefaultVerdict, Failed: true)
            : new(smtp, step, replyToMta, Called: true, StartCall(smtp, step, arguments, cleanup: false), MilterVerdict.Continue, Failed: false);
    }

    /// <summary>
    /// The second half of a step: the call's outcome judged (ignored when no call was made), the MTA answered if it waits,
    /// and a final verdict's consequences; completes at once unless the verdict ends the message.
    /// </summary>
    private protected ValueTask<MilterVerdict> EndStepAsync(in StartedStep started, HandlerOutcome outcome)
    {
        var (smtp, step, replyToMta) = (started.Smtp, started.Step, started.ReplyToMta);
        var negotiatedNoReply = (smtp.Context.Negotiation.Protocol & NoReplyFlag(step)) != 0;
        var mustReply = replyToMta && !negotiatedNoReply;
        var describedNoReply = (_description.NoReplySteps & step) != 0;
        var (verdict, failed) = started.Called ? Judge(smtp, EndCall(smtp, outcome)) : (started.Verdict, started.Failed);

        if (failed && !mustReply)
        {
            smtp.PendingFailure = new PendingFailure(verdict, IsMessageStep(step));
            verdict = MilterVerdict.Continue;
        }
        else if (!failed && (describedNoReply || negotiatedNoReply) && verdict != MilterVerdict.Continue)
        {
            SessionLog.VerdictDropped(_log, ConnectionId, step, verdict, smtp.Context.QueueIdForLog);
            verdict = MilterVerdict.Continue;
        }

        if (verdict.Kind == MilterVerdictKind.Skip && (smtp.Context.Negotiation.Protocol & ProtocolFlags.Skip) == 0)
        {
            // The MTA cannot skip: take the rest of the body without passing it to the handler.
            smtp.SkipBody = true;
            verdict = MilterVerdict.Continue;
        }

        if (mustReply)
        {
            Reply(verdict);
            MilterMetrics.RecordVerdict(step, verdict.Kind);
        }

        if (step == MilterSteps.Rcpt)
            smtp.Context.AnswerRecipient(verdict);
        if (!replyToMta)
            return new(verdict);
        if (verdict.Kind == MilterVerdictKind.Skip)
        {
            smtp.SkipBody = true;
        }
        else if (verdict.IsFinal)
        {
            if (step is MilterSteps.Connect or MilterSteps.Helo)
            {
                smtp.Decided = true;
            }
            else if (step is not (MilterSteps.Rcpt or MilterSteps.Unknown))
            {
                smtp.Trace.EarlyVerdict ??= verdict;
                return DecideMessageAsync(smtp, verdict);
            }
        }

        return new(verdict);
    }

    private static bool IsMessageStep(MilterSteps step) => step is not (MilterSteps.Connect or MilterSteps.Helo or MilterSteps.Unknown);

    /// <summary>
    /// A step begun by <see cref="StartStep"/>: its handler call's outcome to await when <see cref="Called"/>, otherwise
    /// the verdict it has without one (and an outcome already complete).
    /// </summary>
    private protected readonly record struct StartedStep(SmtpConnection Smtp, MilterSteps Step, bool ReplyToMta, bool Called, ValueTask<HandlerOutcome> Outcome,
        MilterVerdict Verdict, bool Failed);

    /// <summary>Data on BODYEOB is one more chunk; returns true when the handler decided the message on it (and it was answered).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private protected async ValueTask<bool> LastChunkDecidesAsync(SmtpConnection smtp, ReadOnlyMemory<byte> chunk)
    {
        var verdict = await StepAsync(smtp, MilterSteps.Body, StepArguments.ForBody(chunk), replyToMta: false).ConfigureAwait(false);
        if (!verdict.IsFinal)
            return false;
        Reply(verdict);
        MilterMetrics.RecordVerdict(MilterSteps.EndOfMessage, verdict.Kind);
        await DecideMessageAsync(smtp).ConfigureAwait(false);
        _telemetry.FinishMessage(smtp, verdict);
        smtp.EndMessage();
        return true;
    }

    /// <summary>
    /// Judges a step's outcome: an exception, an overrun of the time limit or an illegal verdict becomes the default
    /// verdict (logged once, here, for every step).
    /// </summary>
    private (MilterVerdict Verdict, bool Failed) Judge(SmtpConnection smtp, HandlerOutcome outcome)
    {
        var (step, started) = LastCall;
        MilterMetrics.RecordDuration(step, started);
        if (!outcome.IsAbandoned && outcome.Error is null && outcome.Verdict.IsAllowedAt(step))
        {
            SessionTelemetry.TraceCall(smtp, step, outcome, errorType: null);
            return (outcome.Verdict, false);
        }

        var queueId = smtp.Context.QueueIdForLog;
        string errorType;
        if (!outcome.IsAbandoned && outcome.Error is null)
        {
            errorType = "illegal_verdict";
            SessionLog.IllegalVerdict(_log, ConnectionId, step, outcome.Verdict, queueId, _options.DefaultVerdict);
        }
        else if (outcome.IsAbandoned)
        {
            errorType = "timeout";
            SessionLog.HandlerTimedOut(_log, ConnectionId, step, LimitOf(step), queueId, _options.DefaultVerdict);
        }
        else if (outcome.Error is ActionNotNegotiatedException missing)
        {
            // A missing action is a set-up mistake, not a crash: its message says what to fix, a stack trace would bury it.
            errorType = "action_not_negotiated";
            SessionLog.ActionNotNegotiated(_log, ConnectionId, queueId, _options.DefaultVerdict, missing.Message);
        }
        else
        {
            errorType = outcome.Error!.GetType().FullName ?? "exception";
            SessionLog.HandlerFailed(_log, outcome.Error!, ConnectionId, step, queueId, _options.DefaultVerdict);
        }

        MilterMetrics.RecordHandlerError(step, errorType);
        SessionTelemetry.TraceCall(smtp, step, outcome, errorType);
        return (_options.DefaultVerdict, true);
    }

    /// <summary>End of message: the handler records its changes (<see cref="MessageChanges"/>); they and its verdict go out in one write.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private protected async ValueTask EndOfMessageAsync(SmtpConnection smtp)
    {
        var verdict = MilterVerdict.Continue;
        var failed = false;
        EndOfMessageContext? message = null;
        if (smtp.Message.State == MessageState.Decided || smtp.Decided)
        {
            // This milter already decided; the MTA should not have asked, but it waits for an answer.
        }
        else if (smtp.PendingFailure is { } pending)
        {
            verdict = pending.Verdict;
            smtp.PendingFailure = null;
            failed = true;
            // A failure at a step without a reply decided this message: the handler ends it with an abort, not end of message.
            await DecideMessageAsync(smtp).ConfigureAwait(false);
        }
        else
        {
            message = new EndOfMessageContext(smtp.Context, this, Spares<MessageChanges>.Rent());
            try
            {
                if (smtp.Retired)
                {
                    (verdict, failed) = (_options.DefaultVerdict, true);
                }
                else
                {
                    var outcome = await StartCall(smtp, MilterSteps.EndOfMessage, StepArguments.ForEndOfMessage(message), cleanup: false).ConfigureAwait(false);
                    (verdict, failed) = Judge(smtp, EndCall(smtp, outcome));
                }
            }
            finally
            {
                message.Complete();
            }
        }

        await WriteLock.WaitAsync(_cancellation).ConfigureAwait(false);
        try
        {
            // Changes matter only for a message that is delivered; after a failure none are sent half-made.
            if (message is not null && !failed && verdict.Kind is MilterVerdictKind.Continue or MilterVerdictKind.Accept)
                verdict = await WriteChangesAsync(smtp, message, verdict).ConfigureAwait(false);
            Reply(verdict);
            MilterMetrics.RecordVerdict(MilterSteps.EndOfMessage, verdict.Kind);
            _telemetry.FinishMessage(smtp, verdict, message is not null && !failed ? message.Changes.Codes : null);
        }
        finally
        {
            message?.Changes.DisposeBody();
            WriteLock.Release();
            // A handler left running past its limit may still write into its buffers: they are not given back.
            if (message is not null && !smtp.Retired)
                message.Changes.Return();
        }

        smtp.EndMessage();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MilterVerdict> WriteChangesAsync(SmtpConnection smtp, EndOfMessageContext message, MilterVerdict verdict)
    {
        try
        {
            await message.Changes.WriteAsync(_output, this, _cancellation).ConfigureAwait(false);
            MilterMetrics.RecordActions(message.Changes.Codes);
            return verdict;
        }
        catch (IOException e) when (!_cancellation.IsCancellationRequested && !_outputBroken)
        {
            // Part of the body may be out: only a tempfail makes the MTA drop every change.
            MilterMetrics.RecordHandlerError(MilterSteps.EndOfMessage, e.GetType().FullName ?? "exception");
            SessionLog.HandlerFailed(_log, e, ConnectionId, MilterSteps.EndOfMessage, smtp.Context.QueueIdForLog, MilterVerdict.Tempfail());
            return MilterVerdict.Tempfail();
        }
    }

    /// <summary>This milter made a final decision in the middle of a message: the message is over for it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DecideMessageAsync(SmtpConnection smtp)
    {
        if (smtp.Message.State == MessageState.Open)
            await CallAbortAsync(smtp).ConfigureAwait(false);
        smtp.Message.Decide();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MilterVerdict> DecideMessageAsync(SmtpConnection smtp, MilterVerdict verdict)
    {
        await DecideMessageAsync(smtp).ConfigureAwait(false);
        return verdict;
    }

    /// <summary>ABORT, or a new MAIL or HELO without one: the current message, if any, is abandoned.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private protected async ValueTask AbandonMessageAsync(SmtpConnection smtp, bool synthesised)
    {
        if (!smtp.Message.InMessage)
            return;
        if (smtp.Message.State == MessageState.Open)
        {
            if (synthesised)
                SessionLog.AbortSynthesised(_log, ConnectionId);
            await CallAbortAsync(smtp).ConfigureAwait(false);
        }

        _telemetry.FinishMessage(smtp);
        smtp.EndMessage();
    }

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
