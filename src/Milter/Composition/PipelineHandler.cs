using Milter.Protocol;

namespace Milter;

/// <summary>
/// One SMTP connection of a <see cref="MilterComposition"/>: calls the parts' handlers in order at each step, with the verdict
/// rules of Postfix's milter chain, and shows each part the protocol as it negotiated it. A part's exception (or illegal
/// verdict) is handled like the session handles a handler's: logged with the part's name, and the message gets the session's
/// default verdict; the part is out for the rest of the message (it gets its abort).
/// </summary>
internal sealed partial class PipelineHandler : IMilterHandler, IAsyncDisposable
{
    private readonly MilterComposition _composition;
    private readonly PartRun[] _parts;
    // The description this connection negotiated from: a later Configure does not change what the session expects.
    private readonly MilterDescription _description;
    private int _message;
    private bool _recipientsSettled;

    public PipelineHandler(MilterComposition composition)
    {
        _composition = composition;
        _description = composition.Description;
        var factories = composition.Factories;
        var settings = composition.Settings;
        _parts = new PartRun[factories.Count];
        try
        {
            for (var i = 0; i < _parts.Length; i++)
                _parts[i] = new PartRun(factories[i].CreateHandler(), factories[i]) { Settings = settings[i] };
        }
        catch
        {
            foreach (var made in _parts.Where(p => p is not null))
                _ = HandlerCall.DisposeAsync(made.Handler).AsTask();
            throw;
        }
    }

    public ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        foreach (var part in _parts)
        {
            if (!part.Settings.ClientMatches(context))
                part.ConnectionDone = true;
        }

        return RunAsync(context, MilterSteps.Connect, connection, static (h, c, a, t) => h.OnConnectAsync(c, a, t), cancellationToken);
    }

    public ValueTask<MilterVerdict> OnHeloAsync(MilterContext context, string heloName, CancellationToken cancellationToken) =>
        RunAsync(context, MilterSteps.Helo, heloName, static (h, c, a, t) => h.OnHeloAsync(c, a, t), cancellationToken);

    public ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken) =>
        RunAsync(context, MilterSteps.Mail, sender, static (h, c, a, t) => h.OnMailAsync(c, a, t), cancellationToken);

    public async ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken)
    {
        var verdict = await RunAsync(context, MilterSteps.Rcpt, recipient, static (h, c, a, t) => h.OnRcptAsync(c, a, t), cancellationToken).ConfigureAwait(false);
        if (verdict.Kind is not (MilterVerdictKind.Reject or MilterVerdictKind.Tempfail or MilterVerdictKind.Reply) && !RefusedByMta(context))
        {
            foreach (var part in _parts)
            {
                if (part.Open && part.Settings.FiltersRecipients && part.Settings.RecipientMatches(recipient.Address))
                    part.HasRecipient = true;
            }
        }

        return verdict;
    }

    public ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) =>
        RunAsync(context, MilterSteps.Data, 0, static (h, c, _, t) => h.OnDataAsync(c, t), cancellationToken);

    public ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken) =>
        RunAsync(context, MilterSteps.Header, header, static (h, c, a, t) => h.OnHeaderAsync(c, a, t), cancellationToken);

    public ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) =>
        RunAsync(context, MilterSteps.EndOfHeaders, 0, static (h, c, _, t) => h.OnEndOfHeadersAsync(c, t), cancellationToken);

    public ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        RunAsync(context, MilterSteps.Body, chunk, static (h, c, a, t) => h.OnBodyChunkAsync(c, a, t), cancellationToken);

    public ValueTask<MilterVerdict> OnUnknownAsync(MilterContext context, string command, CancellationToken cancellationToken) =>
        RunAsync(context, MilterSteps.Unknown, command, static (h, c, a, t) => h.OnUnknownAsync(c, a, t), cancellationToken);

    private static bool IsMessageStep(MilterSteps step) => step is not (MilterSteps.Connect or MilterSteps.Helo or MilterSteps.Unknown);

    /// <summary>
    /// Calls the parts that take part in <paramref name="step"/>, in order, and combines their verdicts: the first reject,
    /// tempfail, discard or reply ends the step for the rest and is the answer; accept stops only that part; skip stops only
    /// that part's body, and is the answer once no part reads the body any more.
    /// </summary>
    private async ValueTask<MilterVerdict> RunAsync<TArgument>(MilterContext context, MilterSteps step, TArgument argument,
        Func<IMilterHandler, MilterContext, TArgument, CancellationToken, ValueTask<MilterVerdict>> call, CancellationToken cancellationToken)
    {
        var messageStep = IsMessageStep(step);
        if (messageStep)
        {
            StartMessageIfNew(context);
            if (step is not (MilterSteps.Mail or MilterSteps.Rcpt))
                await SettleRecipientsAsync(context, cancellationToken).ConfigureAwait(false);
        }

        if (_held is { } held && !Hold(held, context, step, argument))
            return MilterVerdict.Tempfail();
        foreach (var part in _parts)
        {
            if (!TakesPart(part, context, step, argument))
                continue;
            if (await CallAndApplyAsync(part, context, step, argument, call, cancellationToken).ConfigureAwait(false) is { } final)
                return final;
        }

        return Combined(step);
    }

    /// <summary>Calls one part and applies its verdict; returns the answer when it ends the step for the parts after it.</summary>
    private async ValueTask<MilterVerdict?> CallAndApplyAsync<TArgument>(PartRun part, MilterContext context, MilterSteps step, TArgument argument,
        Func<IMilterHandler, MilterContext, TArgument, CancellationToken, ValueTask<MilterVerdict>> call, CancellationToken cancellationToken)
    {
        var verdict = await CallAsync(part, context, step, Translate(part, context, argument), call, cancellationToken).ConfigureAwait(false);
        return verdict is { } decided ? await ApplyAsync(part, context, step, decided, cancellationToken).ConfigureAwait(false) : null;
    }

    private bool TakesPart<TArgument>(PartRun part, MilterContext context, MilterSteps step, TArgument argument)
    {
        if (!part.Handles(step) || part.ConnectionDone)
            return false;
        if (!IsMessageStep(step))
            return true;
        if (!part.Open || (step == MilterSteps.Body && part.SkipBody))
            return false;
        if (part.Replayed && step is MilterSteps.Header or MilterSteps.EndOfHeaders or MilterSteps.Body)
            return false;
        if (step != MilterSteps.Rcpt)
            return true;
        // A part that did not ask for the recipients the MTA refused does not see them; a part with recipient domains sees
        // only its own recipients.
        return (part.Description.RejectedRecipients || !RefusedByMta(context))
            && (argument is not Recipient recipient || part.Settings.RecipientMatches(recipient.Address));
    }

    private static bool RefusedByMta(MilterContext context) =>
        (context.Negotiation.Protocol & ProtocolFlags.RejectedRecipients) != 0 && context.Macros["rcpt_mailer"] == "error";

    /// <summary>A header value loses the leading space a part did not ask for (SMFIP_HDR_LEADSPC negotiated for another part).</summary>
    private static TArgument Translate<TArgument>(PartRun part, MilterContext context, TArgument argument)
    {
        if (argument is HeaderField header && !part.Description.HeaderLeadingSpace
            && (context.Negotiation.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0 && header.RawValue.Span is [(byte)' ', ..])
            return (TArgument)(object)new HeaderField(header.RawName, header.RawValue[1..]);
        return argument;
    }

    /// <summary>Calls one part; null when it failed (logged, and the part is out), or else its verdict as the MTA may take it.</summary>
    private async ValueTask<MilterVerdict?> CallAsync<TArgument>(PartRun part, MilterContext context, MilterSteps step, TArgument argument,
        Func<IMilterHandler, MilterContext, TArgument, CancellationToken, ValueTask<MilterVerdict>> call, CancellationToken cancellationToken)
    {
        MilterVerdict verdict;
        try
        {
            verdict = await call(part.Handler, context, argument, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            PipelineLog.PartFailed(_composition.Logger, e, _composition.Name, part.Name, step, context.QueueId, context.DefaultVerdict);
            MilterMetrics.RecordHandlerError(step, e is ActionNotNegotiatedException ? "action_not_negotiated" : e.GetType().FullName ?? "exception");
            return await FailAsync(part, context, step, cancellationToken).ConfigureAwait(false);
        }

        if (!IsAllowed(step, verdict.Kind))
        {
            PipelineLog.IllegalVerdict(_composition.Logger, _composition.Name, part.Name, verdict, step, context.QueueId, context.DefaultVerdict);
            MilterMetrics.RecordHandlerError(step, "illegal_verdict");
            return await FailAsync(part, context, step, cancellationToken).ConfigureAwait(false);
        }

        // A step the part declared no-reply decides nothing, as in the session.
        return part.NoReply(step) && verdict.Kind != MilterVerdictKind.Continue ? MilterVerdict.Continue : verdict;
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
            await AbortPartAsync(part, context, cancellationToken).ConfigureAwait(false);
        part.Open = false;
    }

    /// <summary>
    /// The answer when no part ended the step: skip once no part reads the body any more; accept once every part is done
    /// (and no dry-run header is still to be added); otherwise continue.
    /// </summary>
    private MilterVerdict Combined(MilterSteps step)
    {
        if (step is MilterSteps.Rcpt or MilterSteps.Unknown || (_description.NoReplySteps & step) != 0)
            return MilterVerdict.Continue;
        var messageStep = IsMessageStep(step);
        var anyActive = false;
        var anyReadsBody = false;
        foreach (var part in _parts)
        {
            var active = !part.ConnectionDone && (!messageStep || part.Open);
            anyActive |= active || (messageStep && part.Applied && part.Settings.DryRun && part.Settings.Options.DryRunHeader is not null);
            anyReadsBody |= active && part.Handles(MilterSteps.Body) && !part.SkipBody;
        }

        if (step == MilterSteps.Body && !anyReadsBody)
            return MilterVerdict.Skip;
        return anyActive ? MilterVerdict.Continue : MilterVerdict.Accept;
    }

    private static bool IsAllowed(MilterSteps step, MilterVerdictKind kind) => kind switch
    {
        MilterVerdictKind.Skip => step == MilterSteps.Body,
        MilterVerdictKind.Discard => step is not (MilterSteps.Connect or MilterSteps.Helo),
        _ => true,
    };
}
