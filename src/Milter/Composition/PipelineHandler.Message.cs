using Milter.Protocol;

namespace Milter;

internal sealed partial class PipelineHandler
{
    /// <summary>
    /// End of message: each open part, in order, is first shown its held content when it is replayed (<see cref="ContentReplay.ReplayAsync"/>),
    /// then records its changes in a fork of the message's (<see cref="MessageChanges"/>), so its header indexes count the
    /// headers as the earlier parts left them. A part's fork is taken into the message when it
    /// continues or accepts, dropped when it fails or runs dry (its dry-run header is added in its place); a reject, tempfail or
    /// discard ends the message, and the parts after it get their abort.
    /// </summary>
    public async ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        var context = message.Context;
        StartMessageIfNew(context);
        await SettleRecipientsAsync(context, cancellationToken).ConfigureAwait(false);
        var leadingSpace = (context.Negotiation.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;
        MilterVerdict? ended = null;
        foreach (var part in _parts)
        {
            if (!part.Open || part.ConnectionDone)
            {
                if (ended is null)
                    DryRunReport.AddHeader(_composition, part, message, leadingSpace);
                continue;
            }

            if (ended is not null)
            {
                await _caller.AbortAsync(part, context, cancellationToken).ConfigureAwait(false);
                part.Open = false;
                continue;
            }

            if (part.Replayed)
            {
                ended = await _replay.ReplayAsync(part, message, cancellationToken).ConfigureAwait(false);
                if (ended is not null)
                {
                    // It ended the message during its content: it gets its abort, as after such a verdict as the content arrives.
                    if (part.Open)
                        await _caller.AbortAsync(part, context, cancellationToken).ConfigureAwait(false);
                    part.Open = false;
                    continue;
                }

                if (!part.Open)
                {
                    DryRunReport.AddHeader(_composition, part, message, leadingSpace);
                    continue;
                }
            }

            var fork = message.Changes.Fork(context);
            try
            {
                var verdict = await RunEndOfMessageAsync(part, message, fork, leadingSpace, cancellationToken).ConfigureAwait(false);
                part.Open = false;
                if (part.Settings.DryRun)
                {
                    part.DryRun.RecordChanges(fork.Codes);
                    DryRunReport.AddHeader(_composition, part, message, leadingSpace);
                }
                else if (verdict is { } decided)
                {
                    message.Changes.Adopt(fork);
                    if (decided.IsFinal && decided.Kind != MilterVerdictKind.Accept)
                        ended = decided;
                }
                else if (context.DefaultVerdict is { IsFinal: true, Kind: not MilterVerdictKind.Accept } failure)
                {
                    // It failed: its record is dropped (none of its changes are sent half-made), and the default verdict ends the message.
                    ended = failure;
                }
            }
            finally
            {
                fork.Return();
            }
        }

        DryRunReport.Publish(_composition, _parts, context);
        // Every part was shown its content: what was held for them goes (a replacement is the changes' until sent).
        _replay.Release();
        return ended ?? MilterVerdict.Continue;
    }

    /// <summary>One part's end of message on its own record; null when it failed (logged; the part is out).</summary>
    private async ValueTask<MilterVerdict?> RunEndOfMessageAsync(PartRun part, EndOfMessageContext message, MessageChanges fork, bool leadingSpace,
        CancellationToken cancellationToken)
    {
        var context = message.Context;
        var partMessage = new EndOfMessageContext(context, message.Output, fork, fresh: false)
        {
            AllowedActions = context.Negotiation.Actions & (part.Description.Actions | part.Description.OptionalActions),
            AddLeadingSpace = leadingSpace && !part.Description.HeaderLeadingSpace,
        };
        try
        {
            var verdict = await _caller.CallAsync(part, context, MilterSteps.EndOfMessage, partMessage, static (h, _, m, t) => h.OnEndOfMessageAsync(m, t), cancellationToken)
                .ConfigureAwait(false);
            if (verdict is { } decided && part.Settings.DryRun)
                part.DryRun.Record(MilterSteps.EndOfMessage, decided);
            return verdict;
        }
        finally
        {
            partMessage.Complete();
        }
    }

    /// <summary>The MTA abandoned the message, or the pipeline ended it early: every part still in it gets its abort.</summary>
    public async ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        foreach (var part in _parts)
        {
            if (!part.Open)
                continue;
            await _caller.AbortAsync(part, context, cancellationToken).ConfigureAwait(false);
            part.Open = false;
        }

        _replay.Release();
        DryRunReport.Publish(_composition, _parts, context);
    }

    public async ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        foreach (var part in _parts)
        {
            try
            {
                await part.Handler.OnCloseAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                PipelineLog.CleanupFailed(_composition.Logger, e, _composition.Name, part.Name, MilterSteps.Close);
            }
        }
    }

    /// <summary>Disposes every part's handler, even when one throws (the first failure is thrown afterwards).</summary>
    public async ValueTask DisposeAsync()
    {
        _replay.Dispose();
        Exception? first = null;
        foreach (var part in _parts)
        {
            try
            {
                await HandlerCall.DisposeAsync(part.Handler).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }

        if (first is not null)
            throw first;
    }

    /// <summary>
    /// A message starts (the first message step of a new MAIL): each part takes the settings in force now, and is in the
    /// message when its conditions known at MAIL hold.
    /// </summary>
    private void StartMessageIfNew(MilterContext context)
    {
        if (context.MessageCount == _message)
            return;
        _message = context.MessageCount;
        _recipientsSettled = false;
        var settings = _composition.Settings;
        for (var i = 0; i < _parts.Length; i++)
        {
            var part = _parts[i];
            part.Settings = settings[i];
            part.DryRun.Clear();
            part.SkipBody = false;
            part.HasRecipient = false;
            part.Open = part.Applied = !part.ConnectionDone && part.Settings.MessageMatches(context);
        }

        _replay.Plan(_parts);
    }

    /// <summary>Once the recipients are known, a part with recipient domains none of which was accepted leaves the message (its abort).</summary>
    private async ValueTask SettleRecipientsAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_recipientsSettled)
            return;
        _recipientsSettled = true;
        foreach (var part in _parts)
        {
            if (!part.Open || !part.Settings.FiltersRecipients || part.HasRecipient)
                continue;
            await _caller.AbortAsync(part, context, cancellationToken).ConfigureAwait(false);
            part.Open = part.Applied = false;
        }
    }
}
