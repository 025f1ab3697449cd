using System.Buffers;
using System.Buffers.Binary;

namespace Milter.Protocol;

/// <summary>
/// Builds one packet directly in an <see cref="IBufferWriter{T}"/>: reserves room for the worst case,
/// writes the fields, then fills in the length and commits. Nothing is committed if a check fails.
/// </summary>
internal ref struct PacketBuilder
{
    /// <summary>The largest payload either side may send (MILTER_MAX_DATA_SIZE).</summary>
    public const int MaxPayloadLength = 65535;

    private readonly IBufferWriter<byte> _writer;
    private readonly Span<byte> _buffer;
    private readonly byte _command;
    private int _position;

    private PacketBuilder(IBufferWriter<byte> writer, byte command, int maxPayload)
    {
        _writer = writer;
        _command = command;
        _buffer = writer.GetSpan(MilterFrameReader.HeaderLength + maxPayload);
        _buffer[4] = command;
        _position = MilterFrameReader.HeaderLength;
    }

    /// <summary>Starts a packet whose payload will be at most <paramref name="maxPayload"/> bytes.</summary>
    public static PacketBuilder Start(IBufferWriter<byte> writer, byte command, int maxPayload = 0)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return new PacketBuilder(writer, command, maxPayload);
    }

    /// <summary>Worst-case payload bytes for a string written with <see cref="WriteCString(ReadOnlySpan{char}, string)"/>.</summary>
    public static int CStringBound(string? text) => WireText.GetMaxByteCount(text?.Length ?? 0) + 1;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    /// <summary>Writes text as a C string; a NUL inside it would end the string early on the wire, so it is refused.</summary>
    public void WriteCString(ReadOnlySpan<char> text, string field)
    {
        var written = WireText.Encode(text, _buffer[_position..]);
        if (_buffer.Slice(_position, written).Contains((byte)0))
            throw new ArgumentException($"The {field} contains a NUL character, which the milter protocol cannot carry.", field);
        _position += written;
        _buffer[_position++] = 0;
    }

    /// <summary>Writes raw bytes as a C string.</summary>
    public void WriteCString(ReadOnlySpan<byte> bytes, string field)
    {
        if (bytes.Contains((byte)0))
            throw new ArgumentException($"The {field} contains a NUL byte, which the milter protocol cannot carry.", field);
        WriteBytes(bytes);
        _buffer[_position++] = 0;
    }

    /// <summary>Fills in the length and commits the packet to the writer.</summary>
    /// <exception cref="ArgumentException">The payload is over 65535 bytes.</exception>
    public readonly void Commit()
    {
        var payload = _position - MilterFrameReader.HeaderLength;
        if (payload > MaxPayloadLength)
        {
            throw new ArgumentException(
                $"The {MilterFrame.Describe(_command)} packet would carry {payload} bytes; the protocol allows at most {MaxPayloadLength}.");
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer, (uint)(payload + 1));
        _writer.Advance(_position);
    }
}
