using System.Buffers.Binary;
using System.Globalization;

namespace Milter.Client;

/// <summary>
/// A recorded milter conversation, in the text format of the repository's captures: comment lines (<c>#</c>), then
/// per connection a <c># --- connection N: label</c> line and one line per packet, <c>&gt; HEX  # description</c> from
/// the MTA, <c>&lt; HEX  # description</c> from the milter, where HEX is the whole packet (length, command, payload).
/// <c>milter-test record</c> writes it; Milter.Testing replays it against a filter.
/// </summary>
public sealed class MilterCapture
{
    private const string ConnectionPrefix = "# --- connection";

    /// <summary>Creates a capture from its parts.</summary>
    public MilterCapture(IReadOnlyList<string> notes, IReadOnlyList<CapturedConnection> connections)
    {
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentNullException.ThrowIfNull(connections);
        Notes = notes;
        Connections = connections;
    }

    /// <summary>The comment lines before the first connection (what was recorded, and how), without their <c>#</c>.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The milter connections, in the order the MTA opened them.</summary>
    public IReadOnlyList<CapturedConnection> Connections { get; }

    /// <summary>Reads a capture file.</summary>
    /// <exception cref="InvalidDataException">A packet line is not hex, or its length field does not match its bytes.</exception>
    public static MilterCapture Load(string path)
    {
        using var reader = File.OpenText(path);
        return Parse(reader, Path.GetFileName(path));
    }

    /// <summary>Reads a capture; <paramref name="name"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">A packet line is not hex, or its length field does not match its bytes.</exception>
    public static MilterCapture Parse(TextReader reader, string name = "capture")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var notes = new List<string>();
        var connections = new List<CapturedConnection>();
        List<CapturedPacket>? packets = null;
        string? label = null;
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.StartsWith(ConnectionPrefix, StringComparison.Ordinal))
            {
                if (packets is not null)
                    connections.Add(new CapturedConnection(label!, packets));
                packets = [];
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                label = colon < 0 ? string.Empty : line[(colon + 1)..].Trim();
            }
            else if (packets is null && line.StartsWith('#'))
            {
                notes.Add(line.Length > 1 && line[1] == ' ' ? line[2..] : line[1..]);
            }
            else if (line.Length > 2 && line[0] is '>' or '<' && line[1] == ' ')
            {
                if (packets is null)
                    throw new InvalidDataException($"{name}, line {number}: a packet before the first '{ConnectionPrefix}' line.");
                packets.Add(ParsePacket(line, name, number));
            }
        }

        if (packets is not null)
            connections.Add(new CapturedConnection(label!, packets));
        return new MilterCapture(notes, connections);
    }

    /// <summary>Writes the capture in its text format; each packet gets a fresh description.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var note in Notes)
            writer.WriteLine(note.Length == 0 ? "#" : "# " + note);
        var number = 0;
        foreach (var connection in Connections)
        {
            writer.WriteLine();
            writer.WriteLine(ConnectionLine(++number, connection.Label));
            foreach (var packet in connection.Packets)
                writer.WriteLine(PacketLine(packet.FromMta, packet.Bytes.Span));
        }
    }

    /// <summary>The line that opens the <paramref name="number"/>-th connection.</summary>
    public static string ConnectionLine(int number, string label) =>
        string.Create(CultureInfo.InvariantCulture, $"{ConnectionPrefix} {number}: {label}");

    /// <summary>The line of one whole packet, with its description.</summary>
    public static string PacketLine(bool fromMta, ReadOnlySpan<byte> packet) =>
        $"{(fromMta ? '>' : '<')} {Convert.ToHexStringLower(packet)}  # {CapturedPacket.Describe(fromMta, packet)}";

    private static CapturedPacket ParsePacket(string line, string name, int number)
    {
        var end = line.IndexOf("  #", StringComparison.Ordinal);
        var hex = (end < 0 ? line[2..] : line[2..end]).Trim();
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"{name}, line {number}: the packet is not hexadecimal.");
        }

        if (bytes.Length < 5 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != bytes.Length - 4)
            throw new InvalidDataException($"{name}, line {number}: the length field does not match the packet's {bytes.Length} bytes.");
        return new CapturedPacket(line[0] == '>', bytes, end < 0 ? string.Empty : line[(end + 3)..].Trim());
    }
}

/// <summary>One milter connection of a capture: OPTNEG first, usually QUIT last.</summary>
public sealed record CapturedConnection(string Label, IReadOnlyList<CapturedPacket> Packets)
{
    /// <summary>Everything the MTA wrote, as one byte stream.</summary>
    public byte[] MtaStream => [.. Packets.Where(p => p.FromMta).SelectMany(p => p.Bytes.ToArray())];

    /// <summary>Everything the milter wrote, as one byte stream.</summary>
    public byte[] MilterStream => [.. Packets.Where(p => !p.FromMta).SelectMany(p => p.Bytes.ToArray())];
}
