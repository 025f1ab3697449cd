using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The top of a session (<see cref="MilterSession"/>'s engine), the read loop and dispatch: waits for the MTA's bytes on
/// the right deadline, cuts each read into frames, turns each frame into its step (parsed once, its order checked, its
/// macros kept), flushes the read's replies once, and ends the connection whatever ends it.
/// </summary>
internal sealed class SessionLoop : StepRunner
{
    private readonly IMilterHandlerFactory _factory;
    private NegotiationResult? _negotiation;
    private int _messageCount;
    private volatile bool _stopRequested;
    private byte _lastMacroFor;

    /// <summary>A session for one connection; its handlers come from <paramref name="factory"/>.</summary>
    public SessionLoop(IMilterHandlerFactory factory, MilterSessionOptions options, ILogger log)
        : base(factory.Description, options, log) => _factory = factory;

    /// <summary>Whether a message is in progress (between its first command and end of message or abort).</summary>
    public bool IsInMessage => _smtp?.Message.InMessage ?? false;

    /// <summary>
    /// Asks the session to close at the next point where no message is in progress: at once if it is idle,
    /// otherwise right after the current message ends.
    /// </summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (!IsInMessage)
            _input?.CancelPendingRead();
    }

    /// <summary>Runs the session until the MTA quits or closes, a protocol error, a timeout, a stop request or cancellation.</summary>
    /// <param name="transport">The connection to the MTA.</param>
    /// <param name="cancellationToken">Aborts the session at once (handlers see it too).</param>
    public async Task RunAsync(IDuplexPipe transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _input = transport.Input;
        _output = transport.Output;
        _socket = transport as ISocketTransport;
        _reader.BodyPayloadsRemoved = _socket?.DropsBodyPayloads == true;
        _cancellation = cancellationToken;
        _socket?.WatchPeer(this);
        _started = Stopwatch.GetTimestamp();
        MilterMetrics.AcceptedConnections.Add(1);
        MilterMetrics.ActiveConnections.Add(1);
        _telemetry.BeginLogScope();
        SessionLog.Opened(_log, ConnectionId);
        Exception? broken = null;
        try
        {
            // The wait for data is here, not in a method of its own: an idle connection keeps one async state, not two.
            while (!(_stopRequested && !IsInMessage))
            {
                var (limit, wait) = NextDeadline(negotiated: _negotiation is not null);
                if (limit <= TimeSpan.Zero)
                {
                    LogTimeout(wait, limit);
                    break;
                }

                ReadResult result = default;
                try
                {
                    result = await ReadWithin(limit).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_cancellation.IsCancellationRequested)
                {
                    // The deadline's token ended the read (the in-memory transports'); Release below says so.
                }

                _reading = false;
                if (!ReleaseDeadline())
                {
                    _cancellation.ThrowIfCancellationRequested();
                    // The MTA's leaving may end a wait that began just as a step did (the peer watch saw the step).
                    if (PeerClosed)
                        SessionLog.PeerGone(_log, ConnectionId, "the MTA closed the connection");
                    else
                        LogTimeout(wait, limit);
                    break;
                }

                if (!await HandleReadAsync(result).ConfigureAwait(false))
                    break;
            }
        }
        catch (MilterProtocolException e)
        {
            MilterMetrics.RecordProtocolError(e.Error);
            SessionLog.ProtocolError(_log, ConnectionId, e.Error, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            broken = e;
            SessionLog.PeerGone(_log, ConnectionId, e.Message);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            // Aborted by the owner (server shutdown deadline).
            broken = e;
        }
        finally
        {
            // Nothing here may throw or wait without a bound: the connection count must come down whatever state the
            // peer left the connection in.
            await EndConnectionAsync().ConfigureAwait(false);
            DisposeCallResources();
            if (broken is null && _unflushed)
                broken = await TryFlushAsync().ConfigureAwait(false);
            await CompleteQuietlyAsync(_input.CompleteAsync()).ConfigureAwait(false);
            // Completed with the error, the output drops what a broken connection could not take instead of waiting on it.
            await CompleteQuietlyAsync(_output.CompleteAsync(broken)).ConfigureAwait(false);
            _deadline.Dispose();
            _flushDuringCall?.Dispose();
            MilterMetrics.ActiveConnections.Add(-1);
            SessionLog.Closed(_log, ConnectionId, _messageCount);
            _telemetry.EndLogScope();
            _socket?.SessionEnded();
        }
    }

    /// <summary>Handles the frames of one read and answers them; false when the session is over (QUIT, EOF).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleReadAsync(ReadResult result)
    {
        var buffer = result.Buffer;
        MilterMetrics.RecordReceived(buffer.Length - _pendingBytes);
        var done = false;
        var consumedAny = false;
        try
        {
            while (!done && _reader.TryRead(buffer, out var frame, out var consumed))
            {
                var macroFor = _lastMacroFor;
                _lastMacroFor = 0;
                // A step's call is awaited here, not in a method of its own (StepAsync), so that a handler call suspends
                // one async level, not three.
                if (TryStartStep(frame, macroFor, out var step))
                {
                    var outcome = await step.Outcome.ConfigureAwait(false);
                    await EndStepAsync(step, outcome).ConfigureAwait(false);
                }
                else
                    done = !await HandleFrameAsync(frame, macroFor).ConfigureAwait(false);
                buffer = buffer.Slice(consumed);
                consumedAny = true;
            }

            if (_unflushed)
                await FlushAsync().ConfigureAwait(false);
            else if (!done && !result.IsCompleted)
                _socket?.AcknowledgeNow(); // not after QUIT or the MTA's close: nothing more will come
            if (!done && result.IsCompleted)
            {
                // EOF means quit; leftover bytes mean the MTA went away in the middle of a frame.
                MilterFrameReader.ThrowIfIncomplete(buffer);
                done = true;
            }
        }
        finally
        {
            // A frame's time runs from its first byte: bytes left after whole frames start a new one.
            if (buffer.Length > 0 && (consumedAny || _pendingBytes == 0))
                _frameStarted = Stopwatch.GetTimestamp();
            else if (_reader.BodyPayloadsRemoved)
                _readHandled = Stopwatch.GetTimestamp();
            _pendingBytes = buffer.Length;
            _input.AdvanceTo(buffer.Start, buffer.End);
        }

        return !done;
    }

    /// <summary>
    /// Starts the step a frame carries (CONNECT, HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY, UNKNOWN): parsed once, its order
    /// checked, its macros scoped. False for every other frame, and for a HELO or MAIL that must first abandon the message
    /// in progress: <see cref="HandleFrameAsync"/> takes those.
    /// </summary>
    private bool TryStartStep(MilterFrame frame, byte macroFor, out StartedStep step)
    {
        step = default;
        var command = frame.CommandCode;
        if (_smtp is not { } smtp)
            return false;
        var context = smtp.Context;
        switch (command)
        {
            case MilterCommandCode.Connect:
                if (smtp.Connected)
                    throw OutOfOrder("CONNECT arrived twice on one connection without QUIT_NC.");
                var connection = ConnectionInfo.From(ConnectCommand.Parse(frame.Payload));
                smtp.Connected = true;
                ScopeMacros(context, MacroStage.Connect, macroFor);
                context.Connection = connection;
                _telemetry.Scope?.Client = connection.Address;
                step = StartStep(smtp, MilterSteps.Connect, StepArguments.ForConnect(connection));
                return true;

            case MilterCommandCode.Helo:
                smtp.EnsureConnected(command);
                var helo = TextCommand.Parse(frame.Payload, command).GetText();
                if (smtp.Message.InMessage)
                    return false;
                ScopeMacros(context, MacroStage.Helo, macroFor);
                context.HeloName = helo;
                step = StartStep(smtp, MilterSteps.Helo, StepArguments.ForHelo(helo));
                return true;

            case MilterCommandCode.Mail:
                smtp.EnsureConnected(command);
                var mail = EnvelopeCommand.Parse(frame.Payload, command);
                if (smtp.Message.InMessage)
                    return false;
                ScopeMacros(context, MacroStage.Mail, macroFor);
                var sender = new Sender(mail.Address.Span, mail.GetArguments());
                StartMessage(smtp, sender);
                step = StartStep(smtp, MilterSteps.Mail, StepArguments.ForMail(sender));
                return true;

            case MilterCommandCode.Rcpt:
                var rcpt = EnvelopeCommand.Parse(frame.Payload, command);
                EnterStage(smtp, MessageStage.Rcpt, command);
                ScopeMacros(context, MacroStage.Rcpt, macroFor);
                var recipient = new Recipient(rcpt.Address.Span, rcpt.GetArguments());
                context.AddRecipient(recipient);
                step = StartStep(smtp, MilterSteps.Rcpt, StepArguments.ForRcpt(recipient));
                return true;

            case MilterCommandCode.Data:
                EnterStage(smtp, MessageStage.Data, command);
                step = StartStep(smtp, MilterSteps.Data, default);
                return true;

            case MilterCommandCode.Header:
                var header = HeaderCommand.Parse(frame.Payload);
                EnterStage(smtp, MessageStage.Header, command);
                // Header positions are translated for Sendmail at end of message; Postfix needs no list.
                if (context.Mta != MtaKind.Postfix)
                    context.AddHeaderName(KnownHeaderNames.Decode(header.Name.Span));
                smtp.Trace.HeaderCount++;
                step = StartStep(smtp, MilterSteps.Header, StepArguments.ForHeader(header.Name, header.Value));
                return true;

            case MilterCommandCode.EndOfHeaders:
                EnterStage(smtp, MessageStage.EndOfHeaders, command);
                step = StartStep(smtp, MilterSteps.EndOfHeaders, default);
                return true;

            case MilterCommandCode.Body:
                EnterStage(smtp, MessageStage.Body, command);
                smtp.Trace.BodySize += frame.PayloadLength;
                step = StartStep(smtp, MilterSteps.Body, StepArguments.ForBody(frame.Payload));
                return true;

            case MilterCommandCode.Unknown:
                smtp.EnsureConnected(command);
                var unknown = TextCommand.Parse(frame.Payload, command);
                step = StartStep(smtp, MilterSteps.Unknown, StepArguments.ForUnknown(unknown.Text));
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// Handles a frame that is not a step (<see cref="TryStartStep"/>), or a HELO or MAIL in a message. Returns false when
    /// the session must end.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleFrameAsync(MilterFrame frame, byte macroFor)
    {
        var command = frame.CommandCode;
        if (command == MilterCommandCode.OptionNegotiation)
            return Negotiate(frame);
        if (_smtp is not { } smtp)
            throw OutOfOrder($"{CommandNames.Of(command)} arrived before option negotiation.");
        var context = smtp.Context;

        switch (command)
        {
            case MilterCommandCode.Macro:
                var macros = MacroCommand.Parse(frame.Payload);
                context.Macros.Set(macros.ForCommand, macros);
                if (context.Mta == MtaKind.Unknown)
                {
                    context.Mta = MtaRecognizer.FromMacros(macros);
                    _telemetry.Scope?.Mta = context.Mta;
                }

                _lastMacroFor = macros.ForCommand;
                return true;

            case MilterCommandCode.Helo or MilterCommandCode.Mail:
                // A new HELO or MAIL ends the message in progress (its abort first); then the step as usual.
                await AbandonMessageAsync(smtp, synthesised: true).ConfigureAwait(false);
                if (!TryStartStep(frame, macroFor, out var step))
                    throw new InvalidOperationException("A HELO or MAIL must start its step once no message is in progress.");
                await StepAsync(step).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfBody:
                EnterStage(smtp, MessageStage.EndOfMessage, command);
                smtp.Trace.BodySize += frame.Payload.Length;
                // libmilter treats data on EOB as one more body chunk; a decision there ends the message.
                if (frame.Payload.IsEmpty || !await LastChunkDecidesAsync(smtp, frame.Payload).ConfigureAwait(false))
                    await EndOfMessageAsync(smtp).ConfigureAwait(false);
                return !_stopRequested;

            case MilterCommandCode.Abort:
                // Postfix sends ABORT after every message, sometimes twice; outside a message it means nothing.
                await AbandonMessageAsync(smtp, synthesised: false).ConfigureAwait(false);
                return !_stopRequested;

            case MilterCommandCode.QuitNewConnection:
                await EndConnectionAsync().ConfigureAwait(false);
                StartConnection(context.Mta);
                return !_stopRequested;

            case MilterCommandCode.Quit:
                return false;

            default:
                throw new MilterProtocolException(MilterProtocolError.UnknownCommand, $"Unknown command {frame.DescribeCommand()}.");
        }
    }

    private bool Negotiate(MilterFrame frame)
    {
        if (_negotiation is not null)
            throw OutOfOrder("OPTNEG arrived twice on one connection.");
        var offer = OptionNegotiation.Parse(frame.Payload);
        try
        {
            _negotiation = OptionNegotiator.Negotiate(offer, _description.ToNegotiationRequest());
        }
        catch (MilterProtocolException e) when (e.Error == MilterProtocolError.Negotiation)
        {
            // libmilter closes without a reply when the MTA cannot give the milter what it needs.
            SessionLog.NegotiationFailed(_log, ConnectionId, e.Message);
            return false;
        }

        _negotiation.Reply.WriteTo(_output);
        _unflushed = true;
        SessionLog.Negotiated(_log, ConnectionId, _negotiation.Reply);
        var unavailable = _negotiation.SelfAnsweredSteps | _negotiation.UnavailableOptions;
        if (unavailable != ProtocolFlags.None)
            SessionLog.OptionsUnavailable(_log, ConnectionId, unavailable);
        StartConnection(MtaKind.Unknown);
        return true;
    }

    /// <summary>A new SMTP connection: after negotiation, and after each QUIT_NC (the MTA is still the same one).</summary>
    private void StartConnection(MtaKind recognised)
    {
        var negotiation = _negotiation ?? throw new InvalidOperationException("Option negotiation comes first.");
        var context = new MilterContext(negotiation, _description) { Mta = _options.Mta != MtaKind.Unknown ? _options.Mta : recognised, DefaultVerdict = _options.DefaultVerdict };
        _smtp = new SmtpConnection(_factory.CreateHandler(), context, connected: (negotiation.Protocol & ProtocolFlags.NoConnect) != 0);
        if (_telemetry.Scope is { } scope)
            (scope.Mta, scope.Client, scope.QueueId) = (context.Mta, null, null);
    }

    /// <summary>Macros belong to the command right after them; older ones of this stage and later stages go out of scope.</summary>
    private static void ScopeMacros(MilterContext context, MacroStage stage, byte macroFor) =>
        context.Macros.ClearFrom(stage, keepStage: MilterMacros.StageOf(macroFor) == stage);

    private void StartMessage(SmtpConnection smtp, Sender? sender)
    {
        smtp.Message.Start();
        smtp.SkipBody = false;
        smtp.Context.StartMessage(sender);
        _messageCount++;
        _telemetry.StartMessage(smtp);
    }

    private void EnterStage(SmtpConnection smtp, MessageStage stage, MilterCommandCode command)
    {
        if (smtp.Message.TryEnter(stage, command))
            return;
        // Without MAIL (negotiated away) the first message command starts the message.
        if ((smtp.Context.Negotiation.Protocol & ProtocolFlags.NoMail) == 0)
            throw OutOfOrder($"{CommandNames.Of(command)} arrived outside a message (no MAIL before it).");
        smtp.EnsureConnected(command);
        StartMessage(smtp, null);
        smtp.Message.TryEnter(stage, command);
    }

    private static MilterProtocolException OutOfOrder(string message) => new(MilterProtocolError.OutOfOrder, message);
}
