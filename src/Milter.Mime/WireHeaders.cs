using System.Runtime.InteropServices;
using System.Text;
using Milter.Protocol;

namespace Milter.Mime;

/// <summary>Reads the header block of a message on the wire into headers in the form the MTA sends to milters.</summary>
internal static class WireHeaders
{
    /// <summary>Reads fields up to the blank line; returns them and the offset of the body.</summary>
    public static (List<CapturedHeader> Headers, long BodyStart) Read(Stream message, bool leadingSpace)
    {
        var headers = new List<CapturedHeader>();
        var field = new List<byte>();
        var line = new List<byte>();
        long offset = 0;
        using var reader = new BufferedStream(message, 16 * 1024);
        for (var consumed = ReadLine(reader, line); consumed > 0; consumed = ReadLine(reader, line))
        {
            offset += consumed;
            var content = CollectionsMarshal.AsSpan(line);
            if (content.Length == 0)
                break;
            if (content[0] is (byte)' ' or (byte)'\t' && field.Count > 0)
            {
                // A continuation line: the MTA hands folded values over with bare LF.
                field.Add((byte)'\n');
                field.AddRange(content);
                continue;
            }

            Flush(field, headers, leadingSpace);
            field.AddRange(content);
        }

        Flush(field, headers, leadingSpace);
        return (headers, offset);
    }

    private static void Flush(List<byte> field, List<CapturedHeader> headers, bool leadingSpace)
    {
        if (field.Count == 0)
            return;
        var bytes = CollectionsMarshal.AsSpan(field);
        var colon = bytes.IndexOf((byte)':');
        if (colon > 0)
        {
            var value = bytes[(colon + 1)..];
            if (!leadingSpace && value.Length > 0 && value[0] == (byte)' ')
                value = value[1..];
            headers.Add(new CapturedHeader(Encoding.ASCII.GetString(bytes[..colon]).TrimEnd(), WireText.Decode(value)));
        }

        field.Clear();
    }

    // Reads one line into `line` without its CRLF (or LF); returns the bytes consumed, 0 at the end of the stream.
    private static int ReadLine(Stream stream, List<byte> line)
    {
        line.Clear();
        var consumed = 0;
        int b;
        while ((b = stream.ReadByte()) >= 0)
        {
            consumed++;
            if (b == '\n')
                break;
            line.Add((byte)b);
        }

        if (line.Count > 0 && line[^1] == '\r')
            line.RemoveAt(line.Count - 1);
        return consumed;
    }
}
