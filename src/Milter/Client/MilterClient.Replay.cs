using Milter.Protocol;

namespace Milter.Client;

public sealed partial class MilterClient
{
    /// <summary>
    /// The profile that replays a captured connection: the MTA's recorded offer, no macros or ABORTs of its own (the
    /// capture's are sent as recorded), and the header rules of the MTA its macros show (Postfix's <c>v</c>; Sendmail's
    /// <c>{if_name}</c> or <c>{msg_id}</c>).
    /// </summary>
    public static MtaProfile ReplayProfile(CapturedConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var offer = connection.Packets.FirstOrDefault(p => p.FromMta && p.Command == (byte)MilterCommandCode.OptionNegotiation)
            ?? throw new ArgumentException($"The connection \"{connection.Label}\" has no OPTNEG from the MTA.", nameof(connection));
        var kind = MtaKind.Unknown;
        foreach (var packet in connection.Packets.Where(p => p.FromMta && p.Command == (byte)MilterCommandCode.Macro))
        {
            foreach (var pair in MacroCommand.Parse(packet.Payload))
            {
                kind = (pair.GetName(), kind) switch
                {
                    ("v", MtaKind.Unknown) => pair.GetValue().StartsWith("Postfix", StringComparison.Ordinal) ? MtaKind.Postfix : MtaKind.Sendmail,
                    ("{if_name}" or "{msg_id}", MtaKind.Unknown) => MtaKind.Sendmail,
                    _ => kind,
                };
            }
        }

        return new MtaProfile("replay", OptionNegotiation.Parse(offer.Payload), false, false) { Kind = kind };
    }

    /// <summary>
    /// Plays the MTA's side of a captured connection against the milter, command by command with the recorded macros,
    /// and returns what happened to each message. The milter's own answers decide, as a real MTA would let them: after
    /// it rejects, accepts or discards a message early, the rest of that message is not sent. Use a client made with
    /// <see cref="ReplayProfile"/>, before negotiating.
    /// </summary>
    public async Task<IReadOnlyList<MessageOutcome>> ReplayAsync(CapturedConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // The MTA stripped the space after the colon unless the recorded milter asked for it (HDR_LEADSPC).
        var recordedLeadingSpace = connection.Packets.FirstOrDefault(p => !p.FromMta && p.Command == (byte)MilterResponseCode.OptionNegotiation) is { } reply
            && (OptionNegotiation.Parse(reply.Payload).Protocol & ProtocolFlags.HeaderLeadingSpace) != 0;
        var replay = new CaptureReplay(this, recordedLeadingSpace);
        foreach (var packet in connection.Packets)
        {
            if (packet.FromMta && !await replay.PlayAsync(packet, cancellationToken).ConfigureAwait(false))
                break;
        }

        return replay.Outcomes;
    }
}
