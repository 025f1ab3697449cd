using System.Buffers;
using System.Globalization;
using System.Text;

namespace Milter.Protocol;

/// <summary>
/// The OPTNEG packet, both ways: the MTA's offer (version, actions it allows, protocol options it supports)
/// and the milter's reply (version, actions and options it wants, and optionally macro lists per stage).
/// </summary>
/// <param name="Version">The protocol version (the MTA's offer, or what the milter will speak).</param>
/// <param name="Actions">Actions offered or requested.</param>
/// <param name="Protocol">Protocol options offered or requested.</param>
/// <param name="MacroRequests">The milter's macro lists; empty in an MTA offer.</param>
public sealed record OptionNegotiation(uint Version, ActionFlags Actions, ProtocolFlags Protocol, IReadOnlyList<MacroRequest> MacroRequests)
{
    /// <summary>The protocol version this library speaks (SMFI_PROT_VERSION).</summary>
    public const uint CurrentVersion = 6;

    /// <summary>Creates a negotiation packet without macro lists.</summary>
    public OptionNegotiation(uint version, ActionFlags actions, ProtocolFlags protocol)
        : this(version, actions, protocol, [])
    {
    }

    /// <summary>Parses an OPTNEG payload: three big-endian 32-bit numbers, then any macro lists.</summary>
    /// <exception cref="MilterProtocolException">The payload is shorter than 12 bytes or a macro list is malformed.</exception>
    public static OptionNegotiation Parse(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length < 12)
            throw new MilterProtocolException($"OPTNEG: the payload is {payload.Length} bytes; it needs at least 12 (version, actions, protocol).");

        var reader = new PayloadReader(payload, "OPTNEG");
        var version = reader.ReadUInt32("version");
        var actions = (ActionFlags)reader.ReadUInt32("actions");
        var protocol = (ProtocolFlags)reader.ReadUInt32("protocol");
        if (reader.IsAtEnd)
            return new OptionNegotiation(version, actions, protocol);

        var requests = new List<MacroRequest>();
        while (!reader.IsAtEnd)
        {
            var stage = (MacroStage)reader.ReadUInt32("macro stage");
            var names = WireText.Decode(reader.ReadCString("macro list").Span);
            requests.Add(new MacroRequest(stage, MacroRequest.SplitNames(names)));
        }

        return new OptionNegotiation(version, actions, protocol, requests);
    }

    /// <summary>Writes this negotiation as one OPTNEG packet (the same layout both ways).</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        var bound = 12;
        foreach (var request in MacroRequests)
            bound += 4 + PacketBuilder.CStringBound(request.ToWireText());

        var packet = PacketBuilder.Start(writer, (byte)MilterCommandCode.OptionNegotiation, bound);
        packet.WriteUInt32(Version);
        packet.WriteUInt32((uint)Actions);
        packet.WriteUInt32((uint)Protocol);
        foreach (var request in MacroRequests)
        {
            packet.WriteUInt32((uint)request.Stage);
            packet.WriteCString(request.ToWireText(), "macro list");
        }

        packet.Commit();
    }

    /// <inheritdoc />
    public bool Equals(OptionNegotiation? other) =>
        other is not null && Version == other.Version && Actions == other.Actions && Protocol == other.Protocol
        && MacroRequests.SequenceEqual(other.MacroRequests);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Version, Actions, Protocol, MacroRequests.Count);

    /// <summary>A readable summary for logs: version, hex masks and flag names.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"version {Version}, actions 0x{(uint)Actions:X} ({Actions}), protocol 0x{(uint)Protocol:X} ({Protocol})");
        foreach (var request in MacroRequests)
            text.Append(CultureInfo.InvariantCulture, $", macros at {request.Stage}: {request.ToWireText()}");
        return text.ToString();
    }
}
