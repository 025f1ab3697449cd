using Milter.Protocol;

namespace Milter;

/// <summary>
/// One SMTP connection of a <see cref="MilterComposition"/>: calls the parts' handlers in order at each step, with the verdict
/// rules of Postfix's milter chain, and shows each part the protocol as it negotiated it. Each part is called, and its
/// verdict applied, by <see cref="PartCaller"/> (a part that fails is out, and the message gets the session's default
/// verdict); the content a later part is shown as the earlier parts left it is held and replayed by <see cref="ContentReplay"/>.
/// </summary>
internal sealed partial class PipelineHandler : IMilterHandler, IAsyncDisposable
{
    private readonly MilterComposition _composition;
    private readonly PartRun[] _parts;
    private readonly PartCaller _caller;
    private readonly ContentReplay _replay;
    // The description this connection negotiated from: a later Configure does not change what the session expects.
    private readonly MilterDescription _description;
    private int _message;
    private bool _recipientsSettled;

    public PipelineHandler(MilterComposition composition)
    {
        _composition = composition;
        _description = composition.Description;
        _caller = new PartCaller(composition);
        _replay = new ContentReplay(composition, _caller);
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

    /// <summary>Whether a message on this connection held content for a replayed part (the holder is made for the first).</summary>
    internal bool HasHeldContent => _replay.HasHeldContent;

    /// <summary>
    /// Calls the parts that take part in <paramref name="step"/>, in order, and combines their verdicts: the first reject,
    /// tempfail, discard or reply ends the step for the rest and is the answer; accept stops only that part; skip stops only
    /// that part's body, and is the answer once no part reads the body any more.
    /// </summary>
    private async ValueTask<MilterVerdict> RunAsync<TArgument>(MilterContext context, MilterSteps step, TArgument argument,
        Func<IMilterHandler, MilterContext, TArgument, CancellationToken, ValueTask<MilterVerdict>> call, CancellationToken cancellationToken)
    {
        if (PartCaller.IsMessageStep(step))
        {
            StartMessageIfNew(context);
            if (step is not (MilterSteps.Mail or MilterSteps.Rcpt))
                await SettleRecipientsAsync(context, cancellationToken).ConfigureAwait(false);
        }

        if (!_replay.Hold(context, step, argument))
            return MilterVerdict.Tempfail();
        foreach (var part in _parts)
        {
            if (!TakesPart(part, context, step, argument))
                continue;
            if (await _caller.CallAndApplyAsync(part, context, step, argument, call, cancellationToken).ConfigureAwait(false) is { } final)
                return final;
        }

        return CombinedVerdict.ForStep(_parts, _description, step);
    }

    private bool TakesPart<TArgument>(PartRun part, MilterContext context, MilterSteps step, TArgument argument)
    {
        if (!part.Handles(step) || part.ConnectionDone)
            return false;
        if (!PartCaller.IsMessageStep(step))
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
}
