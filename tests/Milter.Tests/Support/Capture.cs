using System.Buffers.Binary;

namespace Milter.Tests.Support;

/// <summary>One real milter conversation recorded between Postfix 3.7 or Sendmail 8.17 and a libmilter-based milter.</summary>
internal sealed record Capture(string File, IReadOnlyList<CaptureConnection> Connections)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Captures");

    public static IEnumerable<string> FileNames => System.IO.Directory.GetFiles(Directory, "*.txt").Select(Path.GetFileName).Order()!;

    public static Capture Load(string fileName)
    {
        var connections = new List<CaptureConnection>();
        List<CapturePacket>? packets = null;
        string? label = null;
        foreach (var line in System.IO.File.ReadLines(Path.Combine(Directory, fileName)))
        {
            if (line.StartsWith("# --- connection", StringComparison.Ordinal))
            {
                if (packets is not null)
                    connections.Add(new CaptureConnection(label!, packets));
                packets = [];
                label = line;
                continue;
            }

            if (line.Length < 2 || (line[0] != '>' && line[0] != '<') || line[1] != ' ')
                continue;
            var end = line.IndexOf("  #", StringComparison.Ordinal);
            var hex = end < 0 ? line[2..] : line[2..end];
            var bytes = Convert.FromHexString(hex.Trim());
            if (BinaryPrimitives.ReadUInt32BigEndian(bytes) != bytes.Length - 4)
                throw new InvalidDataException($"{fileName}: packet length field does not match: {line[..Math.Min(60, line.Length)]}");
            packets!.Add(new CapturePacket(line[0] == '>', bytes, end < 0 ? "" : line[(end + 3)..].Trim()));
        }

        if (packets is not null)
            connections.Add(new CaptureConnection(label!, packets));
        return new Capture(fileName, connections);
    }
}

/// <summary>One milter connection in a capture.</summary>
internal sealed record CaptureConnection(string Label, IReadOnlyList<CapturePacket> Packets)
{
    /// <summary>Everything the MTA wrote, as one byte stream.</summary>
    public byte[] MtaStream => Packets.Where(p => p.FromMta).SelectMany(p => p.Bytes).ToArray();

    /// <summary>Everything the milter wrote, as one byte stream.</summary>
    public byte[] MilterStream => Packets.Where(p => !p.FromMta).SelectMany(p => p.Bytes).ToArray();
}

/// <summary>One packet, whole (length, command byte, payload), and the recorder's decoding of it.</summary>
internal sealed record CapturePacket(bool FromMta, byte[] Bytes, string Comment)
{
    public byte Command => Bytes[4];

    public ReadOnlyMemory<byte> Payload => Bytes.AsMemory(5);
}
