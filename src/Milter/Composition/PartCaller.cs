using Milter.Protocol;

namespace Milter;

/// <summary>
/// Calls one part of a pipeline at one step and applies its verdict to where the part stands. A part's exception (or illegal
/// verdict) is handled like the session handles a handler's: logged with the part's name, and the message gets the session's
/// default verdict; the part is out for the rest of the message (it gets its abort). A dry-run part's verdicts are recorded,
/// never answered.
/// </summary>
internal sealed class PartCaller(MilterComposition composition)
{
    /// <summary>A step of a message (from MAIL to end of message), as opposed to CONNECT, HELO and unknown commands.</summary>
    public static bool IsMessageStep(MilterSteps step) => step is not (MilterSteps.Connect or MilterSteps.Helo or MilterSteps.Unknown);

    /// <summary>Calls one part and applies its verdict; returns the answer when it ends the step for the parts after it.</summary>
    public async ValueTask<MilterVerdict?> CallAndApplyAsync<TArgument>(PartRun part, MilterContext context, MilterSteps step, TArgument argument,
        Func<IMilterHandler, MilterContext, TArgument, CancellationToken, ValueTask<MilterVerdict>> call, CancellationToken cancellationToken)
    {
        var verdict = await CallAsync(part, context, step, Translate(part, context, argument), call, cancellationToken).ConfigureAwait(false);
        return verdict is { } decided ? await ApplyAsync(part, context, step, decided, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Calls one part; null when it failed (logged, and the part is out), or else its verdict as the MTA may take it.</summary>
    public async ValueTask<MilterVerdict?> CallAsync<TArgument>(PartRun part, MilterContext context, MilterSteps step, TArgument argument,
        Func<IMilterHandler, MilterContext, TArgument, CancellationToken, ValueTask<MilterVerdict>> call, CancellationToken cancellationToken)
    {
        MilterVerdict verdict;
        try
        {
            verdict = await call(part.Handler, context, argument, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            PipelineLog.PartFailed(composition.Logger, e, composition.Name, part.Name, step, context.QueueIdForLog, context.DefaultVerdict);
            MilterMetrics.RecordHandlerError(step, e is ActionNotNegotiatedException ? "action_not_negotiated" : e.GetType().FullName ?? "exception");
            return await FailAsync(part, context, step, cancellationToken).ConfigureAwait(false);
        }

        if (!verdict.IsAllowedAt(step))
        {
            PipelineLog.IllegalVerdict(composition.Logger, composition.Name, part.Name, verdict, step, context.QueueIdForLog, context.DefaultVerdict);
            MilterMetrics.RecordHandlerError(step, "illegal_verdict");
            return await FailAsync(part, context, step, cancellationToken).ConfigureAwait(false);
        }

        // A step the part declared no-reply decides nothing, as in the session.
        return part.NoReply(step) && verdict.Kind != MilterVerdictKind.Continue ? MilterVerdict.Continue : verdict;
    }

    /// <summary>The part's abort; a failure is logged, never thrown (the other parts still get theirs).</summary>
    public async ValueTask AbortAsync(PartRun part, MilterContext context, CancellationToken cancellationToken)
    {
        try
        {
            await part.Handler.OnAbortAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            PipelineLog.CleanupFailed(composition.Logger, e, composition.Name, part.Name, MilterSteps.Abort);
        }
    }

    /// <summary>A header value loses the leading space a part did not ask for (SMFIP_HDR_LEADSPC negotiated for another part).</summary>
    private static TArgument Translate<TArgument>(PartRun part, MilterContext context, TArgument argument)
    {
        if (argument is HeaderField header && !part.Description.HeaderLeadingSpace
            && (context.Negotiation.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0 && header.RawValue.Span is [(byte)' ', ..])
            return (TArgument)(object)new HeaderField(header.RawName, header.RawValue[1..]);
        return argument;
    }

    /// <summary>A failed part is out (for the connection at CONNECT or HELO, else for the message); its failure answers like the session's default verdict.</summary>
    private async ValueTask<MilterVerdict?> FailAsync(PartRun part, MilterContext context, MilterSteps step, CancellationToken cancellationToken)
    {
        var verdict = context.DefaultVerdict;
        if (part.Settings.DryRun)
        {
            part.DryRun.Record(step, verdict);
            await StopAsync(part, context, step, cancellationToken).ConfigureAwait(false);
            return null;
        }

        await StopAsync(part, context, step, cancellationToken).ConfigureAwait(false);
        return verdict.IsFinal && verdict.Kind != MilterVerdictKind.Accept ? verdict : null;
    }

    /// <summary>Applies one part's verdict; returns the answer when it ends the step for the parts after it.</summary>
    private async ValueTask<MilterVerdict?> ApplyAsync(PartRun part, MilterContext context, MilterSteps step, MilterVerdict verdict, CancellationToken cancellationToken)
    {
        if (part.Settings.DryRun)
        {
            // It would have decided: recorded, and it stops as it would have; the message goes on for the others.
            part.DryRun.Record(step, verdict);
            if (verdict.Kind == MilterVerdictKind.Skip)
                part.SkipBody = true;
            else if (verdict.Kind == MilterVerdictKind.Accept ? step != MilterSteps.Unknown : verdict.IsFinal && step is not (MilterSteps.Rcpt or MilterSteps.Unknown))
                await StopAsync(part, context, step, cancellationToken).ConfigureAwait(false);
            return null;
        }

        switch (verdict.Kind)
        {
            case MilterVerdictKind.Continue:
                return null;
            case MilterVerdictKind.Skip:
                part.SkipBody = true;
                return null;
            case MilterVerdictKind.Accept:
                // As Postfix takes it from a milter in its chain, at RCPT too: that milter is done with the message.
                if (step != MilterSteps.Unknown)
                    await StopAsync(part, context, step, cancellationToken).ConfigureAwait(false);
                return null;
            default:
                return verdict;
        }
    }

    /// <summary>The part is done with the message (its abort, now) or, at CONNECT and HELO, with the connection.</summary>
    private async ValueTask StopAsync(PartRun part, MilterContext context, MilterSteps step, CancellationToken cancellationToken)
    {
        if (!IsMessageStep(step))
        {
            part.ConnectionDone = true;
            return;
        }

        if (step != MilterSteps.EndOfMessage)
            await AbortAsync(part, context, cancellationToken).ConfigureAwait(false);
        part.Open = false;
    }
}
