using System.Runtime.CompilerServices;
using Milter.Protocol;

namespace Milter;

public sealed partial class MilterSession
{
    private NegotiationResult? _negotiation;
    private SmtpConnection? _smtp;
    private byte _lastMacroFor;
    private int _messageCount;

    /// <summary>Handles one frame: parses it once, checks its order, and runs its step. Returns false when the session must end.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleFrameAsync(MilterFrame frame)
    {
        var command = frame.CommandCode;
        var macroFor = _lastMacroFor;
        _lastMacroFor = 0;

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

            case MilterCommandCode.Connect:
                if (smtp.Connected)
                    throw OutOfOrder("CONNECT arrived twice on one connection without QUIT_NC.");
                var connection = ConnectionInfo.From(ConnectCommand.Parse(frame.Payload));
                smtp.Connected = true;
                ScopeMacros(context, MacroStage.Connect, macroFor);
                context.Connection = connection;
                _telemetry.Scope?.Client = connection.Address;
                await StepAsync(smtp, MilterSteps.Connect, StepArguments.ForConnect(connection)).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Helo:
                EnsureConnected(smtp, command);
                var helo = TextCommand.Parse(frame.Payload, command).GetText();
                await AbandonMessageAsync(smtp, synthesised: true).ConfigureAwait(false);
                ScopeMacros(context, MacroStage.Helo, macroFor);
                context.HeloName = helo;
                await StepAsync(smtp, MilterSteps.Helo, StepArguments.ForHelo(helo)).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Mail:
                EnsureConnected(smtp, command);
                var mail = EnvelopeCommand.Parse(frame.Payload, command);
                await AbandonMessageAsync(smtp, synthesised: true).ConfigureAwait(false);
                ScopeMacros(context, MacroStage.Mail, macroFor);
                var sender = new Sender(mail.GetAddress(), mail.GetArguments());
                StartMessage(smtp, sender);
                await StepAsync(smtp, MilterSteps.Mail, StepArguments.ForMail(sender)).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Rcpt:
                var rcpt = EnvelopeCommand.Parse(frame.Payload, command);
                EnterStage(smtp, MessageStage.Rcpt, command);
                ScopeMacros(context, MacroStage.Rcpt, macroFor);
                var recipient = new Recipient(rcpt.GetAddress(), rcpt.GetArguments());
                context.AddRecipient(recipient);
                context.AnswerRecipient(await StepAsync(smtp, MilterSteps.Rcpt, StepArguments.ForRcpt(recipient)).ConfigureAwait(false));
                return true;

            case MilterCommandCode.Data:
                EnterStage(smtp, MessageStage.Data, command);
                await StepAsync(smtp, MilterSteps.Data, default).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Header:
                var header = HeaderCommand.Parse(frame.Payload);
                EnterStage(smtp, MessageStage.Header, command);
                // Header positions are translated for Sendmail at end of message; Postfix needs no list.
                if (context.Mta != MtaKind.Postfix)
                    context.AddHeaderName(KnownHeaderNames.Decode(header.Name.Span));
                smtp.Trace.HeaderCount++;
                await StepAsync(smtp, MilterSteps.Header, StepArguments.ForHeader(header.Name, header.Value)).ConfigureAwait(false);
                return true;

            case MilterCommandCode.EndOfHeaders:
                EnterStage(smtp, MessageStage.EndOfHeaders, command);
                await StepAsync(smtp, MilterSteps.EndOfHeaders, default).ConfigureAwait(false);
                return true;

            case MilterCommandCode.Body:
                EnterStage(smtp, MessageStage.Body, command);
                smtp.Trace.BodySize += frame.PayloadLength;
                await StepAsync(smtp, MilterSteps.Body, StepArguments.ForBody(frame.Payload)).ConfigureAwait(false);
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

            case MilterCommandCode.Unknown:
                EnsureConnected(smtp, command);
                var unknown = TextCommand.Parse(frame.Payload, command);
                await StepAsync(smtp, MilterSteps.Unknown, StepArguments.ForUnknown(unknown.Text)).ConfigureAwait(false);
                return true;

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

    private static void EnsureConnected(SmtpConnection smtp, MilterCommandCode command)
    {
        if (!smtp.Connected)
            throw OutOfOrder($"{CommandNames.Of(command)} arrived before CONNECT.");
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
        EnsureConnected(smtp, command);
        StartMessage(smtp, null);
        smtp.Message.TryEnter(stage, command);
    }

    private static MilterProtocolException OutOfOrder(string message) => new(MilterProtocolError.OutOfOrder, message);
}
