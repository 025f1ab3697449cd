using System.Globalization;

namespace Milter;

/// <summary>
/// One connection's limits in front of the user's handler: counts each message, gives a limit's verdict without calling
/// the user's handler, and passes every other event on, but for steps the user's handler did not ask for.
/// </summary>
/// <remarks>
/// Once a limit decided a message, the user's handler sees nothing more of it but its abort: the session calls the
/// abort after a final verdict at a message step; after an accept at RCPT (which the MTA takes for the whole message)
/// the abort comes with the next message or the end of the connection, or from here if the MTA sends end of message.
/// </remarks>
internal sealed class LimitedHandler(IMilterHandler inner, LimitedHandlerFactory limits) : IMilterHandler, IAsyncDisposable
{
    private int _recipients;
    private int _headers;
    private long _headerBytes;
    private long _bodyBytes;
    private bool _headersEnded;
    private bool _userSkippedBody;

    /// <summary>The limit that decided this message, and the value that went past it.</summary>
    private LimitRule? _decided;
    private long _decidedValue;

    /// <summary>Whether the MTA has the decision; not yet while a header past a limit waits for end of headers.</summary>
    private bool _answered;

    private long MessageBytes => _headerBytes + (_headersEnded ? 2 : 0) + _bodyBytes;

    public ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken) =>
        inner.OnConnectAsync(context, connection, cancellationToken);

    public ValueTask<MilterVerdict> OnHeloAsync(MilterContext context, string heloName, CancellationToken cancellationToken) =>
        inner.OnHeloAsync(context, heloName, cancellationToken);

    public ValueTask<MilterVerdict> OnUnknownAsync(MilterContext context, string command, CancellationToken cancellationToken) =>
        inner.OnUnknownAsync(context, command, cancellationToken);

    public ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken)
    {
        // RFC 1870: the size the client declares; a larger one is refused before a byte of the message is sent.
        if (limits.MessageSize is { } size && sender.GetArgument("SIZE") is { } declared
            && long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > size.Max)
            return new(Decide(size, bytes, context, MilterSteps.Mail));
        return Takes(MilterSteps.Mail) ? Pass(MilterSteps.Mail, inner.OnMailAsync(context, sender, cancellationToken)) : Continue;
    }

    public async ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken)
    {
        if (_decided is not null)
            return MilterVerdict.Continue;
        // A recipient the MTA refused itself (shown to handlers that ask for them) is neither counted nor refused here.
        var refusedByMta = context.LatestRecipientRefusedByMta;
        if (limits.Recipients is { } rule && !refusedByMta && _recipients >= rule.Max)
        {
            // A refusal is for this recipient only and the message goes on; an accept is for the whole message.
            if (rule.Action != LimitAction.Accept)
            {
                limits.Report(rule, _recipients + 1, context, MilterSteps.Rcpt);
                return rule.Verdict;
            }

            return Decide(rule, _recipients + 1, context, MilterSteps.Rcpt);
        }

        var verdict = Takes(MilterSteps.Rcpt)
            ? await Pass(MilterSteps.Rcpt, inner.OnRcptAsync(context, recipient, cancellationToken)).ConfigureAwait(false)
            : MilterVerdict.Continue;
        if (!refusedByMta && verdict.Kind is MilterVerdictKind.Continue or MilterVerdictKind.Accept)
            _recipients++;
        return verdict;
    }

    public ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) =>
        _decided is not null ? Continue : inner.OnDataAsync(context, cancellationToken);

    public ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
    {
        if (_decided is not null)
            return Continue;
        _headers++;
        _headerBytes += FieldBytes(header, (context.Negotiation.Protocol & Protocol.ProtocolFlags.HeaderLeadingSpace) != 0);
        if ((Past(limits.Headers, _headers) ?? Past(limits.HeaderBytes, _headerBytes) ?? Past(limits.MessageSize, _headerBytes)) is { } hit)
        {
            if (limits.HeadersAnswered)
                return new(Decide(hit.Rule, hit.Value, context, MilterSteps.Header));
            // The MTA waits for no answer here: the verdict goes out at end of headers.
            (_decided, _decidedValue, _answered) = (hit.Rule, hit.Value, false);
            return Continue;
        }

        return Takes(MilterSteps.Header) ? Pass(MilterSteps.Header, inner.OnHeaderAsync(context, header, cancellationToken)) : Continue;
    }

    public ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_decided is { } pending)
            return new(_answered ? MilterVerdict.Continue : Decide(pending, _decidedValue, context, MilterSteps.EndOfHeaders));
        _headersEnded = true;
        if (Past(limits.MessageSize, MessageBytes) is { } hit)
            return new(Decide(hit.Rule, hit.Value, context, MilterSteps.EndOfHeaders));
        return Takes(MilterSteps.EndOfHeaders) ? Pass(MilterSteps.EndOfHeaders, inner.OnEndOfHeadersAsync(context, cancellationToken)) : Continue;
    }

    public async ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        if (_decided is not null)
            return MilterVerdict.Continue;
        _bodyBytes += chunk.Length;
        if ((Past(limits.BodyBytes, _bodyBytes) ?? Past(limits.MessageSize, MessageBytes)) is { } hit)
            return Decide(hit.Rule, hit.Value, context, MilterSteps.Body);
        if (_userSkippedBody || !Takes(MilterSteps.Body))
            return MilterVerdict.Continue;
        var verdict = await Pass(MilterSteps.Body, inner.OnBodyChunkAsync(context, chunk, cancellationToken)).ConfigureAwait(false);
        if (verdict.Kind != MilterVerdictKind.Skip || !limits.CountsBody)
            return verdict;
        // The limits still count the rest of the body: the MTA keeps sending it, the user's handler no longer sees it.
        _userSkippedBody = true;
        return MilterVerdict.Continue;
    }

    public async ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        try
        {
            if (_decided is not { } rule)
                return await inner.OnEndOfMessageAsync(message, cancellationToken).ConfigureAwait(false);
            // The MTA asked for end of message of a message a limit decided: the user's handler gets the abort it is owed.
            var verdict = _answered ? MilterVerdict.Continue : Decide(rule, _decidedValue, message.Context, MilterSteps.EndOfMessage);
            await inner.OnAbortAsync(message.Context, cancellationToken).ConfigureAwait(false);
            return verdict;
        }
        finally
        {
            EndMessage();
        }
    }

    public ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        EndMessage();
        return inner.OnAbortAsync(context, cancellationToken);
    }

    public ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken) => inner.OnCloseAsync(context, cancellationToken);

    public ValueTask DisposeAsync() => HandlerCall.DisposeAsync(inner);

    /// <summary>
    /// Bytes of one field as it stands in the message: <c>Name: value</c> and CRLF, folded lines with CRLF. Without
    /// SMFIP_HDR_LEADSPC the MTA took off the space after the colon, which counts again here.
    /// </summary>
    internal static long FieldBytes(HeaderField header, bool leadingSpace)
    {
        var value = header.RawValue.Span;
        return header.RawName.Length + 1 + (leadingSpace ? 0 : 1) + value.Length + 2 + value.Count((byte)'\n');
    }

    private static (LimitRule Rule, long Value)? Past(LimitRule? rule, long value) => rule is not null && value > rule.Max ? (rule, value) : null;

    /// <summary>A limit decides this message: the user's handler is not called for it again (but for its abort).</summary>
    private MilterVerdict Decide(LimitRule rule, long value, MilterContext context, MilterSteps step)
    {
        (_decided, _decidedValue, _answered) = (rule, value, true);
        limits.Report(rule, value, context, step);
        return rule.Verdict;
    }

    /// <summary>
    /// The user's verdict at a step it asked for. Where the limits made a no-reply step of the user's answered, it is
    /// dropped, as the session would have dropped it.
    /// </summary>
    private ValueTask<MilterVerdict> Pass(MilterSteps step, ValueTask<MilterVerdict> call) => (limits.Silenced & step) == 0 ? call : Silence(call);

    /// <summary>Whether the user's handler asked for <paramref name="step"/>; the others are the limits' alone.</summary>
    private bool Takes(MilterSteps step) => (limits.Inner.Steps & step) != 0;

    private static ValueTask<MilterVerdict> Continue => new(MilterVerdict.Continue);

    private static async ValueTask<MilterVerdict> Silence(ValueTask<MilterVerdict> call)
    {
        await call.ConfigureAwait(false);
        return MilterVerdict.Continue;
    }

    private void EndMessage()
    {
        (_recipients, _headers, _headerBytes, _bodyBytes, _headersEnded, _userSkippedBody) = (0, 0, 0, 0, false, false);
        (_decided, _decidedValue, _answered) = (null, 0, false);
    }
}
