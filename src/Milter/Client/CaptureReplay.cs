using Milter.Protocol;

namespace Milter.Client;

/// <summary>The state of one replay: macros waiting for their command, the message in progress, what each message came to.</summary>
internal sealed class CaptureReplay(MilterClient client, bool recordedLeadingSpace)
{
    private readonly Dictionary<byte, List<KeyValuePair<string, string>>> _macros = [];
    private Message? _message;
    private bool _connectionDecided;

    public List<MessageOutcome> Outcomes { get; } = [];

    public MilterClient Client => client;

    public bool RecordedLeadingSpace => recordedLeadingSpace;

    /// <summary>Sends one recorded command (or drops it when the milter's answers made it moot); false after QUIT.</summary>
    public async Task<bool> PlayAsync(CapturedPacket packet, CancellationToken cancellationToken)
    {
        var command = (MilterCommandCode)packet.Command;
        switch (command)
        {
            case MilterCommandCode.OptionNegotiation:
                await client.NegotiateAsync(cancellationToken).ConfigureAwait(false);
                return true;
            case MilterCommandCode.Macro:
                var macros = MacroCommand.Parse(packet.Payload);
                var list = _macros[macros.ForCommand] = [];
                foreach (var pair in macros)
                    list.Add(new(pair.GetName(), pair.GetValue()));
                return true;
            case MilterCommandCode.Quit:
                await client.QuitAsync(cancellationToken).ConfigureAwait(false);
                return false;
            case MilterCommandCode.QuitNewConnection:
                await client.QuitNewConnectionAsync(cancellationToken).ConfigureAwait(false);
                (_connectionDecided, _message) = (false, null);
                return true;
            case MilterCommandCode.Abort:
                _message = null;
                await client.AbortAsync(cancellationToken).ConfigureAwait(false);
                return true;
        }

        if (_connectionDecided)
            return true;
        if (command is MilterCommandCode.Connect or MilterCommandCode.Helo or MilterCommandCode.Unknown)
        {
            var answer = command switch
            {
                MilterCommandCode.Connect => await Connect(packet, cancellationToken).ConfigureAwait(false),
                MilterCommandCode.Helo => await client.HeloAsync(Text(packet, command), Take(command), cancellationToken).ConfigureAwait(false),
                _ => await client.UnknownAsync(Text(packet, command), cancellationToken).ConfigureAwait(false),
            };
            if (MilterClient.Decides(answer) && command != MilterCommandCode.Unknown)
            {
                _connectionDecided = true;
                Outcomes.Add(client.Outcome(answer!, command == MilterCommandCode.Connect ? MilterSteps.Connect : MilterSteps.Helo));
            }

            return true;
        }

        if (command == MilterCommandCode.Mail)
        {
            var mail = EnvelopeCommand.Parse(packet.Payload, command);
            _message = new Message(mail.GetAddress(), mail.GetArguments());
        }
        else if (_message is null && command is MilterCommandCode.Rcpt or MilterCommandCode.Data or MilterCommandCode.Header
                 or MilterCommandCode.EndOfHeaders or MilterCommandCode.Body or MilterCommandCode.EndOfBody)
        {
            // The recorded milter switched MAIL off, so the MTA never sent it: the sender is not on the wire. This
            // milter may want MAIL before what follows, so it gets one with the null sender.
            _message = new Message("<>", []);
            await _message.StartAsync(this, null, cancellationToken).ConfigureAwait(false);
        }

        if (_message is { } message)
            await message.PlayAsync(this, packet, command, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private Task<MilterResponse?> Connect(CapturedPacket packet, CancellationToken cancellationToken)
    {
        var connect = ConnectCommand.Parse(packet.Payload);
        return client.ConnectAsync(connect.GetHostName(), connect.Family, connect.Port, connect.GetAddress(), Take(MilterCommandCode.Connect), cancellationToken);
    }

    private static string Text(CapturedPacket packet, MilterCommandCode command) => TextCommand.Parse(packet.Payload, command).GetText();

    /// <summary>The macros recorded for a command, sent once, with it.</summary>
    private List<KeyValuePair<string, string>>? Take(MilterCommandCode command) => _macros.Remove((byte)command, out var macros) ? macros : null;

    /// <summary>
    /// One message of the capture, from MAIL to BODYEOB or ABORT. Once the milter has decided it, nothing more is
    /// sent; a message it accepted or discarded early is still collected, so its outcome shows what is delivered.
    /// </summary>
    private sealed class Message(string sender, string[] arguments)
    {
        private readonly string _sender = sender;
        private readonly string[] _arguments = arguments;
        private readonly List<string> _accepted = [];
        private readonly List<string> _refused = [];
        private readonly List<KeyValuePair<string, string>> _headers = [];
        private readonly MemoryStream _body = new();
        private MilterResponse? _refusal;
        private (MilterResponse Answer, MilterSteps Step)? _decision;
        private bool _bodySkipped;
        private bool _ended;

        private Envelope Envelope => new(_sender, [.. _accepted]) { SenderArguments = _arguments };

        private MailMessage Mail => new(_headers, _body.ToArray());

        public async Task PlayAsync(CaptureReplay replay, CapturedPacket packet, MilterCommandCode command, CancellationToken cancellationToken)
        {
            if (_ended)
                return;
            var client = replay.Client;
            var macros = replay.Take(command);
            var sending = _decision is null;
            switch (command)
            {
                case MilterCommandCode.Mail:
                    await StartAsync(replay, macros, cancellationToken).ConfigureAwait(false);
                    break;
                case MilterCommandCode.Rcpt:
                    var recipient = EnvelopeCommand.Parse(packet.Payload, command);
                    var answer = !sending ? null : await client.RcptAsync(recipient.GetAddress(), recipient.GetArguments(), macros, cancellationToken).ConfigureAwait(false);
                    if (answer is null || answer.Code is MilterResponseCode.Continue or MilterResponseCode.Accept or MilterResponseCode.Discard)
                    {
                        _accepted.Add(recipient.GetAddress());
                        Decide(replay, answer, MilterSteps.Rcpt);
                    }
                    else
                    {
                        _refusal = answer;
                        _refused.Add(recipient.GetAddress());
                    }

                    break;
                case MilterCommandCode.Data when sending:
                    // An MTA goes on to DATA only with a recipient left.
                    Decide(replay, _accepted.Count == 0 ? _refusal ?? MilterResponse.Reject : await client.DataAsync(macros, cancellationToken).ConfigureAwait(false),
                        _accepted.Count == 0 ? MilterSteps.Rcpt : MilterSteps.Data);
                    break;
                case MilterCommandCode.Header:
                    var header = HeaderCommand.Parse(packet.Payload);
                    var raw = Raw(header.GetValue(), replay.RecordedLeadingSpace);
                    _headers.Add(new(header.GetName(), raw));
                    if (sending)
                        Decide(replay, await client.HeaderAsync(header.GetName(), AsSent(raw, client.Negotiated!), macros, cancellationToken).ConfigureAwait(false), MilterSteps.Header);
                    break;
                case MilterCommandCode.EndOfHeaders when sending:
                    Decide(replay, await client.EndOfHeadersAsync(macros, cancellationToken).ConfigureAwait(false), MilterSteps.EndOfHeaders);
                    break;
                case MilterCommandCode.Body:
                    _body.Write(packet.Payload.Span);
                    if (!sending || _bodySkipped)
                        break;
                    var chunk = await client.BodyAsync(packet.Payload, macros, cancellationToken).ConfigureAwait(false);
                    _bodySkipped = chunk?.Code == MilterResponseCode.Skip;
                    if (!_bodySkipped)
                        Decide(replay, chunk, MilterSteps.Body);
                    break;
                case MilterCommandCode.EndOfBody:
                    _ended = true;
                    if (_decision is { } early)
                    {
                        replay.Outcomes.Add(client.Outcome(early.Answer, early.Step, Envelope, Mail, _refused));
                        break;
                    }

                    var end = await client.EndOfMessageAsync(macros, cancellationToken).ConfigureAwait(false);
                    var leadingSpace = (client.Negotiated!.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;
                    replay.Outcomes.Add(client.Outcome(end.Verdict, MilterSteps.EndOfMessage, Envelope, Mail, _refused, end.Actions, leadingSpace));
                    break;
            }
        }

        /// <summary>MAIL: the first command of a message.</summary>
        public async Task StartAsync(CaptureReplay replay, List<KeyValuePair<string, string>>? macros, CancellationToken cancellationToken) =>
            Decide(replay, await replay.Client.MailAsync(_sender, _arguments, macros, cancellationToken).ConfigureAwait(false), MilterSteps.Mail);

        /// <summary>An answer that decides the message: a refusal ends it now; an early accept or discard waits for the rest of it.</summary>
        private void Decide(CaptureReplay replay, MilterResponse? answer, MilterSteps step)
        {
            if (!MilterClient.Decides(answer))
                return;
            _decision = (answer!, step);
            if (answer!.Code is MilterResponseCode.Accept or MilterResponseCode.Discard)
                return;
            _ended = true;
            replay.Outcomes.Add(replay.Client.Outcome(answer, step, Envelope, Mail, _refused));
        }

        // The header as the MTA holds it: the space after the colon, which it sent only to a milter with HDR_LEADSPC; CRLF folding.
        private static string Raw(string value, bool recordedLeadingSpace)
        {
            var folded = value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
            return recordedLeadingSpace ? folded : " " + folded;
        }

        // What the MTA sends this milter: without that space unless it asked for it, bare LF folding.
        private static string AsSent(string raw, OptionNegotiation negotiated)
        {
            var value = raw.Replace("\r\n", "\n", StringComparison.Ordinal);
            return (negotiated.Protocol & ProtocolFlags.HeaderLeadingSpace) == 0 && value.StartsWith(' ') ? value[1..] : value;
        }
    }
}
