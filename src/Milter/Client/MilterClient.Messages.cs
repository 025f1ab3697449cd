using Milter.Protocol;

namespace Milter.Client;

public sealed partial class MilterClient
{
    private bool _connected;

    /// <summary>
    /// Sends one whole message the way an MTA does: CONNECT and HELO the first time, then MAIL, each RCPT, DATA,
    /// the headers, EOH, the body and BODYEOB, stopping at the first answer that decides the message. Returns the
    /// verdict, the step that decided it, the changes, and the message as it would be delivered. Call it again for
    /// more messages on the same connection; the profile decides whether ABORT follows each one.
    /// </summary>
    public async Task<MessageOutcome> SendMessageAsync(Envelope envelope, MailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(message);
        var negotiated = Negotiated ?? await NegotiateAsync(cancellationToken).ConfigureAwait(false);
        var refused = new List<string>();
        var macros = new MtaMacros(Profile, envelope, negotiated.MacroRequests);

        if (!_connected)
        {
            _connected = true;
            var connect = await ConnectAsync(envelope.ClientHostName, envelope.ClientFamily, envelope.ClientPort, envelope.ClientAddress,
                macros.For('C'), cancellationToken).ConfigureAwait(false);
            if (Decides(connect))
                return Outcome(connect!, MilterSteps.Connect);
            var helo = await HeloAsync(envelope.HeloName, macros.For('H'), cancellationToken).ConfigureAwait(false);
            if (Decides(helo))
                return Outcome(helo!, MilterSteps.Helo);
        }

        var mail = await MailAsync(Envelope.Bracketed(envelope.Sender), envelope.SenderArguments, macros.For('M'), cancellationToken).ConfigureAwait(false);
        if (Decides(mail))
            return await EndedAsync(Outcome(mail!, MilterSteps.Mail), cancellationToken).ConfigureAwait(false);

        var accepted = new List<string>();
        MilterResponse? refusal = null;
        foreach (var recipient in envelope.Recipients)
        {
            var rcpt = await RcptAsync(Envelope.Bracketed(recipient), null, macros.For('R', recipient), cancellationToken).ConfigureAwait(false);
            if (rcpt is null || rcpt.Code == MilterResponseCode.Continue)
                accepted.Add(recipient);
            else if (rcpt.Code is MilterResponseCode.Accept or MilterResponseCode.Discard)
                return await EndedAsync(Outcome(rcpt, MilterSteps.Rcpt, envelope with { Recipients = [.. accepted, recipient] }, message), cancellationToken).ConfigureAwait(false);
            else
            {
                refused.Add(recipient);
                refusal = rcpt;
            }
        }

        if (accepted.Count == 0)
            return await EndedAsync(Outcome(refusal ?? MilterResponse.Reject, MilterSteps.Rcpt, refused: refused), cancellationToken).ConfigureAwait(false);
        envelope = envelope with { Recipients = accepted };

        var data = await DataAsync(macros.For('T'), cancellationToken).ConfigureAwait(false);
        if (Decides(data))
            return await EndedAsync(Outcome(data!, MilterSteps.Data, envelope, message, refused), cancellationToken).ConfigureAwait(false);

        var leadingSpace = (negotiated.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;
        foreach (var (name, raw) in message.Headers)
        {
            var value = raw.Replace("\r\n", "\n", StringComparison.Ordinal);
            if (!leadingSpace && value.StartsWith(' '))
                value = value[1..];
            var header = await HeaderAsync(name, value, macros.For('L'), cancellationToken).ConfigureAwait(false);
            if (Decides(header))
                return await EndedAsync(Outcome(header!, MilterSteps.Header, envelope, message, refused), cancellationToken).ConfigureAwait(false);
        }

        var endOfHeaders = await EndOfHeadersAsync(macros.For('N'), cancellationToken).ConfigureAwait(false);
        if (Decides(endOfHeaders))
            return await EndedAsync(Outcome(endOfHeaders!, MilterSteps.EndOfHeaders, envelope, message, refused), cancellationToken).ConfigureAwait(false);

        var body = await BodyAsync(message.Body, macros.For('B'), cancellationToken).ConfigureAwait(false);
        if (body is not null && body.Code != MilterResponseCode.Skip)
            return await EndedAsync(Outcome(body, MilterSteps.Body, envelope, message, refused), cancellationToken).ConfigureAwait(false);

        var end = await EndOfMessageAsync(macros.For('E'), cancellationToken).ConfigureAwait(false);
        var outcome = Outcome(end.Verdict, MilterSteps.EndOfMessage, envelope, message, refused, end.Actions, leadingSpace);
        return await EndedAsync(outcome, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An answer that ends the message for this milter: anything but CONTINUE (and SKIP).</summary>
    internal static bool Decides(MilterResponse? answer) => answer is not null && answer.Code is not (MilterResponseCode.Continue or MilterResponseCode.Skip);

    internal MessageOutcome Outcome(MilterResponse verdict, MilterSteps step, Envelope? envelope = null, MailMessage? message = null,
        IReadOnlyList<string>? refused = null, IReadOnlyList<MilterResponse>? actions = null, bool leadingSpace = false)
    {
        actions ??= [];
        string? quarantine = null;
        DeliveredMessage? delivered = null;
        if (envelope is not null && message is not null && verdict.Code is MilterResponseCode.Continue or MilterResponseCode.Accept)
            delivered = MessageEditor.Apply(envelope, message, actions, leadingSpace, out quarantine, Profile.AppliesChangesAs);
        return new MessageOutcome(verdict, step, actions, refused ?? [], delivered, quarantine);
    }

    private async Task<MessageOutcome> EndedAsync(MessageOutcome outcome, CancellationToken cancellationToken)
    {
        // Postfix tells the milter a message is over with ABORT, whatever the outcome; Sendmail does not.
        if (Profile.AbortAfterMessage && outcome.DecidedAt is not (MilterSteps.Connect or MilterSteps.Helo))
            await AbortAsync(cancellationToken).ConfigureAwait(false);

        return outcome;
    }
}
