using Milter.Protocol;

namespace Milter;

public sealed partial class MilterSession
{
    private enum MessageState
    {
        None,
        Open,
        Decided,
    }

    // The order of a message's commands; repeats are allowed for RCPT, HEADER and BODY.
    private enum MessageStage
    {
        None,
        Mail,
        Rcpt,
        Data,
        Header,
        EndOfHeaders,
        Body,
        EndOfMessage,
    }

    private NegotiationResult? _negotiation;
    private IMilterHandler? _handler;
    private MilterContext? _context;
    private bool _connected;
    private bool _connectionDecided;
    private MessageState _message;
    private MessageStage _stage;
    private bool _skipBody;
    private PendingFailure? _pendingFailure;
    private byte _lastMacroFor;

    /// <summary>Handles one frame. Returns false when the session must end.</summary>
    private async ValueTask<bool> HandleFrameAsync(MilterFrame frame)
    {
        var command = frame.CommandCode;
        var macroFor = _lastMacroFor;
        _lastMacroFor = 0;

        if (command == MilterCommandCode.OptionNegotiation)
            return Negotiate(frame);
        if (_negotiation is null)
            throw OutOfOrder($"{Name(command)} arrived before option negotiation.");

        switch (command)
        {
            case MilterCommandCode.Macro:
                var macros = MacroCommand.Parse(frame.Payload);
                _context!.Macros.Set(macros.ForCommand, macros);
                if (_context.Mta == MtaKind.Unknown)
                    _context.Mta = MtaRecognizer.FromMacros(macros);
                _lastMacroFor = macros.ForCommand;
                return true;

            case MilterCommandCode.Connect:
                if (_connected)
                    throw OutOfOrder("CONNECT arrived twice on one connection without QUIT_NC.");
                var connect = ConnectCommand.Parse(frame.Payload);
                _connected = true;
                ScopeMacros(MacroStage.Connect, macroFor);
                _context!.Connection = ConnectionInfo.From(connect);
                await StepAsync(MilterSteps.Connect, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Helo:
                EnsureConnected(command);
                var helo = TextCommand.Parse(frame.Payload, command);
                await AbandonMessageAsync(synthesised: true).ConfigureAwait(false);
                ScopeMacros(MacroStage.Helo, macroFor);
                _context!.HeloName = helo.GetText();
                await StepAsync(MilterSteps.Helo, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Mail:
                EnsureConnected(command);
                var mail = EnvelopeCommand.Parse(frame.Payload, command);
                await AbandonMessageAsync(synthesised: true).ConfigureAwait(false);
                ScopeMacros(MacroStage.Mail, macroFor);
                StartMessage(new Sender(mail.GetAddress(), mail.GetArguments()));
                await StepAsync(MilterSteps.Mail, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Rcpt:
                var rcpt = EnvelopeCommand.Parse(frame.Payload, command);
                EnterStage(MessageStage.Rcpt, command);
                ScopeMacros(MacroStage.Rcpt, macroFor);
                _context!.AddRecipient(new Recipient(rcpt.GetAddress(), rcpt.GetArguments()));
                await StepAsync(MilterSteps.Rcpt, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Data:
                EnterStage(MessageStage.Data, command);
                await StepAsync(MilterSteps.Data, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Header:
                var header = HeaderCommand.Parse(frame.Payload);
                EnterStage(MessageStage.Header, command);
                // Header positions are translated for Sendmail at end of message; Postfix needs no list.
                if (_context!.Mta != MtaKind.Postfix)
                    _context.AddHeaderName(header.GetName());
                await StepAsync(MilterSteps.Header, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfHeaders:
                EnterStage(MessageStage.EndOfHeaders, command);
                await StepAsync(MilterSteps.EndOfHeaders, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Body:
                EnterStage(MessageStage.Body, command);
                await StepAsync(MilterSteps.Body, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfBody:
                EnterStage(MessageStage.EndOfMessage, command);
                if (!frame.Payload.IsEmpty)
                {
                    // libmilter treats data on EOB as one more body chunk; a decision there ends the message.
                    var chunkVerdict = await StepAsync(MilterSteps.Body, frame, replyToMta: false).ConfigureAwait(false);
                    if (chunkVerdict.IsFinal)
                    {
                        Reply(chunkVerdict);
                        await DecideMessageAsync().ConfigureAwait(false);
                        ResetMessage();
                        return !_stopRequested;
                    }
                }

                await EndOfMessageAsync().ConfigureAwait(false);
                return !_stopRequested;

            case MilterCommandCode.Abort:
                // Postfix sends ABORT after every message, sometimes twice; outside a message it means nothing.
                await AbandonMessageAsync(synthesised: false).ConfigureAwait(false);
                return !_stopRequested;

            case MilterCommandCode.Unknown:
                EnsureConnected(command);
                TextCommand.Parse(frame.Payload, command);
                await StepAsync(MilterSteps.Unknown, frame).ConfigureAwait(false);
                return true;

            case MilterCommandCode.QuitNewConnection:
                await EndConnectionAsync().ConfigureAwait(false);
                StartConnection();
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
        StartConnection();
        return true;
    }

    private void StartConnection()
    {
        _handler = _factory.CreateHandler();
        // After QUIT_NC the MTA is still the same one.
        _context = new MilterContext(_negotiation!, _description) { Mta = _options.Mta != MtaKind.Unknown ? _options.Mta : _context?.Mta ?? MtaKind.Unknown };
        _connected = (_negotiation!.Protocol & ProtocolFlags.NoConnect) != 0;
        _connectionDecided = false;
        _pendingFailure = null;
        _message = MessageState.None;
        _stage = MessageStage.None;
    }

    private void EnsureConnected(MilterCommandCode command)
    {
        if (!_connected)
            throw OutOfOrder($"{Name(command)} arrived before CONNECT.");
    }

    /// <summary>Macros belong to the command right after them; older ones of this stage and later stages go out of scope.</summary>
    private void ScopeMacros(MacroStage stage, byte macroFor) =>
        _context!.Macros.ClearFrom(stage, keepStage: MilterMacros.StageOf(macroFor) == stage);

    private void StartMessage(Sender? sender)
    {
        _message = MessageState.Open;
        _stage = MessageStage.Mail;
        _skipBody = false;
        _context!.StartMessage(sender);
    }

    private void EnterStage(MessageStage stage, MilterCommandCode command)
    {
        if (_message == MessageState.None)
        {
            // Without MAIL (negotiated away) the first message command starts the message.
            if ((_negotiation!.Protocol & ProtocolFlags.NoMail) == 0)
                throw OutOfOrder($"{Name(command)} arrived outside a message (no MAIL before it).");
            EnsureConnected(command);
            StartMessage(null);
        }

        var repeatable = stage is MessageStage.Rcpt or MessageStage.Header or MessageStage.Body;
        if (stage < _stage || (stage == _stage && !repeatable))
            throw OutOfOrder($"{Name(command)} arrived after {_stage} in the same message.");
        _stage = stage;
    }

    private MilterProtocolException OutOfOrder(string message) => new(MilterProtocolError.OutOfOrder, message);

    private static string Name(MilterCommandCode command) => command switch
    {
        MilterCommandCode.Abort => "ABORT",
        MilterCommandCode.Body => "BODY",
        MilterCommandCode.Connect => "CONNECT",
        MilterCommandCode.Macro => "MACRO",
        MilterCommandCode.EndOfBody => "BODYEOB",
        MilterCommandCode.Helo => "HELO",
        MilterCommandCode.QuitNewConnection => "QUIT_NC",
        MilterCommandCode.Header => "HEADER",
        MilterCommandCode.Mail => "MAIL",
        MilterCommandCode.EndOfHeaders => "EOH",
        MilterCommandCode.OptionNegotiation => "OPTNEG",
        MilterCommandCode.Quit => "QUIT",
        MilterCommandCode.Rcpt => "RCPT",
        MilterCommandCode.Data => "DATA",
        MilterCommandCode.Unknown => "UNKNOWN",
        _ => command.ToString(),
    };
}
