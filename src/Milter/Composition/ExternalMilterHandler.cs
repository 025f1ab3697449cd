using Milter.Client;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// One SMTP connection's relay to the external milter of an <see cref="ExternalMilter"/>: its own connection, opened at
/// the first event, CONNECT and HELO replayed to a new connection, every event passed on with its stage's macros.
/// </summary>
/// <param name="owner">The part.</param>
/// <param name="askedLeadingSpace">
/// Whether the description this handler was made under asked for leading space: values keep it only when it did and the
/// MTA granted it (a pipeline shows each part values as that part asked for them).
/// </param>
internal sealed class ExternalMilterHandler(ExternalMilter owner, bool askedLeadingSpace) : IMilterHandler, IAsyncDisposable
{
    private MilterClient? _client;

    /// <summary>CONNECT and HELO, as far as the current connection to the external milter has had them.</summary>
    private MilterSteps _replayed;

    /// <summary>From a failure to the end of its message: the rest of the message gets the fallback.</summary>
    private bool _failed;

    /// <summary>A step of the current message has been relayed (so a broken connection is not a stale one).</summary>
    private bool _inMessage;

    /// <summary>The external milter accepted the whole SMTP connection (ACCEPT at CONNECT or HELO): nothing more is relayed.</summary>
    private bool _acceptedConnection;

    /// <summary>What the relay waits for, for the log line when the wait runs out.</summary>
    private string _waitingFor = "OPTNEG";

    private ExternalMilterOptions Options => owner.Options;

    public ValueTask<MilterVerdict> OnConnectAsync(MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.Connect, (client, token) => SendConnectAsync(client, context, connection, token), cancellationToken);

    public ValueTask<MilterVerdict> OnHeloAsync(MilterContext context, string heloName, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.Helo, (client, token) => SendHeloAsync(client, context, heloName, token), cancellationToken);

    public ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.Mail,
            (client, token) => client.MailAsync(sender.RawAddress, sender.Arguments, Macros(context, MacroStage.Mail), token), cancellationToken);

    public ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.Rcpt,
            (client, token) => client.RcptAsync(recipient.RawAddress, recipient.Arguments, Macros(context, MacroStage.Rcpt), token), cancellationToken);

    public ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.Data, (client, token) => client.DataAsync(Macros(context, MacroStage.Data), token), cancellationToken);

    public ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
    {
        var (name, value) = (header.Name, header.Value);
        return RelayAsync(context, MilterSteps.Header,
            (client, token) => client.HeaderAsync(name, HeaderSpacing.Convert(value, MtaLeadingSpace(context), LeadingSpace(client.Negotiated!)), null, token),
            cancellationToken);
    }

    public ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.EndOfHeaders, (client, token) => client.EndOfHeadersAsync(Macros(context, MacroStage.EndOfHeaders), token), cancellationToken);

    // The chunk is valid during this call, and the relay completes within it.
    public ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.Body, (client, token) => client.BodyAsync(chunk, null, token), cancellationToken);

    // UNKNOWN exists from protocol version 3.
    public ValueTask<MilterVerdict> OnUnknownAsync(MilterContext context, string command, CancellationToken cancellationToken) =>
        RelayAsync(context, MilterSteps.Unknown,
            (client, token) => client.Negotiated!.Version >= 3 ? client.UnknownAsync(command, token) : Task.FromResult<MilterResponse?>(null), cancellationToken);

    public async ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        _inMessage = false;
        if (_acceptedConnection)
            return MilterVerdict.Continue;
        if (_failed)
        {
            _failed = false; // the next message tries again
            return Fallback(MilterSteps.EndOfMessage);
        }

        try
        {
            using var timer = Timer(cancellationToken, Options.EndOfMessageTimeout);
            var client = _client ?? await OpenAsync(message.Context, timer.Token).ConfigureAwait(false);
            if (await ReplayAsync(client, message.Context, MilterSteps.EndOfMessage, timer.Token).ConfigureAwait(false) is { } refused)
                return Verdict(refused, MilterSteps.EndOfMessage);
            _waitingFor = "BODYEOB";
            EndOfMessageAnswer answer;
            client.OnProgress = message.SendProgressAsync;
            try
            {
                answer = await client.EndOfMessageAsync(Macros(message.Context, MacroStage.EndOfMessage), timer.Token).ConfigureAwait(false);
            }
            finally
            {
                client.OnProgress = null;
            }

            var verdict = Verdict(answer.Verdict, MilterSteps.EndOfMessage);
            // Changes count only when the message goes on; the MTA drops them otherwise.
            if (verdict.Kind is MilterVerdictKind.Continue or MilterVerdictKind.Accept)
            {
                ExternalMilterChanges.Check(answer.Actions, message);
                ExternalMilterChanges.Apply(answer.Actions, message, LeadingSpace(client.Negotiated!), MtaLeadingSpace(message.Context));
            }

            return verdict;
        }
        catch (Exception e) when (ExternalMilter.IsFailure(e, cancellationToken))
        {
            var fallback = await FailAsync(MilterSteps.EndOfMessage, e, Options.EndOfMessageTimeout).ConfigureAwait(false);
            _failed = false;
            return fallback;
        }
        catch (OperationCanceledException)
        {
            await DropAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        (_failed, _inMessage) = (false, false); // the next message tries again
        if (_client is not { } client || _acceptedConnection)
            return;
        try
        {
            using var timer = Timer(cancellationToken, Options.CommandTimeout);
            await client.AbortAsync(timer.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (ExternalMilter.IsFailure(e, cancellationToken) || e is OperationCanceledException)
        {
            // Nothing is waiting for an answer; the next message opens a new connection and reports it if that fails.
            await DropAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask OnCloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_client is { } client)
        {
            try
            {
                using var timer = Timer(cancellationToken, Options.CommandTimeout);
                await client.QuitAsync(timer.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (ExternalMilter.IsFailure(e, cancellationToken) || e is OperationCanceledException)
            {
                // It is closed below either way.
            }
        }

        await DropAsync().ConfigureAwait(false);
        (_failed, _acceptedConnection, _inMessage) = (false, false, false);
    }

    public ValueTask DisposeAsync() => new(DropAsync());

    private async ValueTask<MilterVerdict> RelayAsync(MilterContext context, MilterSteps step,
        Func<MilterClient, CancellationToken, Task<MilterResponse?>> send, CancellationToken cancellationToken)
    {
        if (_acceptedConnection)
            return MilterVerdict.Continue;
        if (_failed)
            return Fallback(step);
        try
        {
            using var timer = Timer(cancellationToken, Options.CommandTimeout);
            // A connection kept from the last message may have been closed since (the milter restarted): the message's
            // first step then tries once more on a new connection before it counts as a failure.
            var retry = _client is not null && !_inMessage && PartCaller.IsMessageStep(step);
            while (true)
            {
                try
                {
                    var verdict = await RelayOnceAsync(context, step, send, timer.Token).ConfigureAwait(false);
                    _inMessage |= PartCaller.IsMessageStep(step);
                    return verdict;
                }
                catch (MilterClientException) when (retry && !timer.IsCancellationRequested)
                {
                    retry = false;
                    await DropAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (ExternalMilter.IsFailure(e, cancellationToken))
        {
            return await FailAsync(step, e, Options.CommandTimeout).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The session gave up on this call (the MTA went away, or its own limit ran out): the stream is out of step.
            await DropAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<MilterVerdict> RelayOnceAsync(MilterContext context, MilterSteps step,
        Func<MilterClient, CancellationToken, Task<MilterResponse?>> send, CancellationToken cancellationToken)
    {
        var client = _client ?? await OpenAsync(context, cancellationToken).ConfigureAwait(false);
        var answer = await ReplayAsync(client, context, step, cancellationToken).ConfigureAwait(false);
        if (answer is null)
        {
            _waitingFor = CommandName(step);
            answer = await send(client, cancellationToken).ConfigureAwait(false);
        }

        return Verdict(answer, step);
    }

    /// <summary>Connects and negotiates, offering what the MTA granted this connection, within the step's time.</summary>
    private async Task<MilterClient> OpenAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _waitingFor = "OPTNEG";
        var client = await owner.ConnectAsync(ExternalMilterNegotiation.OfferFor(context.Negotiation), cancellationToken).ConfigureAwait(false);
        try
        {
            owner.Remember(await client.NegotiateAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        (_client, _replayed) = (client, MilterSteps.None);
        return client;
    }

    /// <summary>
    /// Gives a new connection the CONNECT and HELO it missed before a later step. Returns the answer when one refuses
    /// (it becomes this step's verdict, and the connection is closed after); ACCEPT there stops the relay for the connection.
    /// </summary>
    private async Task<MilterResponse?> ReplayAsync(MilterClient client, MilterContext context, MilterSteps step, CancellationToken cancellationToken)
    {
        MilterResponse? answer = null;
        if (step > MilterSteps.Connect && (_replayed & MilterSteps.Connect) == 0 && context.Connection is { } connection)
            answer = await SendConnectAsync(client, context, connection, cancellationToken).ConfigureAwait(false);
        if (!Decides(answer) && step > MilterSteps.Helo && (_replayed & MilterSteps.Helo) == 0 && context.HeloName is { } heloName)
            answer = await SendHeloAsync(client, context, heloName, cancellationToken).ConfigureAwait(false);
        if (!Decides(answer))
            return null;
        if (answer!.Code == MilterResponseCode.Accept)
        {
            _acceptedConnection = true;
            return MilterResponse.Continue;
        }

        await DropAsync().ConfigureAwait(false);
        return answer;
    }

    private Task<MilterResponse?> SendConnectAsync(MilterClient client, MilterContext context, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        _replayed |= MilterSteps.Connect;
        _waitingFor = "CONNECT";
        return client.ConnectAsync(connection.HostName, connection.Family, connection.Port, connection.Address, Macros(context, MacroStage.Connect), cancellationToken);
    }

    private Task<MilterResponse?> SendHeloAsync(MilterClient client, MilterContext context, string heloName, CancellationToken cancellationToken)
    {
        _replayed |= MilterSteps.Helo;
        _waitingFor = "HELO";
        return client.HeloAsync(heloName, Macros(context, MacroStage.Helo), cancellationToken);
    }

    /// <summary>The external milter's answer as this step's verdict; an answer no step allows is a protocol failure.</summary>
    private MilterVerdict Verdict(MilterResponse? answer, MilterSteps step)
    {
        switch (answer?.Code)
        {
            case null or MilterResponseCode.Continue:
                return MilterVerdict.Continue;
            case MilterResponseCode.Accept:
                _acceptedConnection |= step is MilterSteps.Connect or MilterSteps.Helo;
                return MilterVerdict.Accept;
            case MilterResponseCode.Reject:
                return MilterVerdict.Reject();
            case MilterResponseCode.Tempfail:
                return MilterVerdict.Tempfail();
            case MilterResponseCode.Discard:
                return MilterVerdict.Discard;
            case MilterResponseCode.Skip:
                // Only the body can be skipped; Postfix reads SKIP elsewhere as "go on".
                return step == MilterSteps.Body ? MilterVerdict.Skip : MilterVerdict.Continue;
            case MilterResponseCode.ReplyCode:
                return MilterVerdict.WithReply(((ReplyCodeResponse)answer).Reply);
            default:
                throw new ExternalMilterException($"it answered {CommandName(step)} with {answer.Code}, which is not allowed there");
        }
    }

    /// <summary>Logs the failure once and answers the fallback; the connection is closed so the next message starts afresh.</summary>
    private async ValueTask<MilterVerdict> FailAsync(MilterSteps step, Exception e, TimeSpan limit)
    {
        ExternalMilterLog.Unavailable(owner.Logger, owner.Name, owner.Address, ExternalMilter.Describe(e, _waitingFor, limit), step, Options.WhenUnavailable);
        _failed = true;
        await DropAsync().ConfigureAwait(false);
        return Fallback(step);
    }

    /// <summary>
    /// The configured fallback; at CONNECT, HELO and UNKNOWN "go on", because a refusal there would refuse the whole SMTP
    /// session: the fallback then comes at MAIL, for the message.
    /// </summary>
    private MilterVerdict Fallback(MilterSteps step) =>
        !PartCaller.IsMessageStep(step) ? MilterVerdict.Continue : Options.WhenUnavailable switch
        {
            ExternalMilterFallback.Reject => MilterVerdict.Reject(),
            ExternalMilterFallback.Tempfail => MilterVerdict.Tempfail(),
            _ => MilterVerdict.Continue,
        };

    private async Task DropAsync()
    {
        if (_client is not { } client)
            return;
        (_client, _replayed) = (null, MilterSteps.None);
        await client.DisposeAsync().ConfigureAwait(false);
    }

    private static bool Decides(MilterResponse? answer) => answer is not null && answer.Code != MilterResponseCode.Continue;

    private static bool LeadingSpace(OptionNegotiation negotiation) => (negotiation.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;

    /// <summary>Whether header values between this handler and the MTA keep their leading space.</summary>
    private bool MtaLeadingSpace(MilterContext context) => askedLeadingSpace && LeadingSpace(context.Negotiation.Reply);

    private static CancellationTokenSource Timer(CancellationToken cancellationToken, TimeSpan limit)
    {
        var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(limit);
        return timer;
    }

    /// <summary>The macros the MTA sent for a stage, under the names it used (single letters bare, longer names in braces).</summary>
    private static IEnumerable<KeyValuePair<string, string>> Macros(MilterContext context, MacroStage stage) =>
        context.Macros.GetStage(stage).Select(m => KeyValuePair.Create(m.Key.Length == 1 ? m.Key : $"{{{m.Key}}}", m.Value));

    /// <summary>The command's name as the protocol documents call it, for log lines.</summary>
    private static string CommandName(MilterSteps step) => step switch
    {
        MilterSteps.Connect => "CONNECT",
        MilterSteps.Helo => "HELO",
        MilterSteps.Mail => "MAIL",
        MilterSteps.Rcpt => "RCPT",
        MilterSteps.Data => "DATA",
        MilterSteps.Header => "HEADER",
        MilterSteps.EndOfHeaders => "EOH",
        MilterSteps.Body => "BODY",
        MilterSteps.Unknown => "UNKNOWN",
        _ => "BODYEOB",
    };
}
