using System.Buffers.Binary;

namespace Milter.Protocol;

/// <summary>Reads the fields of one payload in order, with errors that name the command and the field.</summary>
internal struct PayloadReader
{
    private readonly ReadOnlyMemory<byte> _payload;
    private readonly string _command;
    private int _position;

    public PayloadReader(ReadOnlyMemory<byte> payload, string command)
    {
        _payload = payload;
        _command = command;
        _position = 0;
    }

    public readonly bool IsAtEnd => _position == _payload.Length;

    public readonly int Remaining => _payload.Length - _position;

    public readonly ReadOnlyMemory<byte> Rest => _payload[_position..];

    public ReadOnlyMemory<byte> ReadCString(string field)
    {
        var rest = _payload.Span[_position..];
        var nul = rest.IndexOf((byte)0);
        if (nul < 0)
        {
            throw Error(rest.IsEmpty
                ? $"{_command}: the {field} is missing."
                : $"{_command}: the {field} is not NUL-terminated.");
        }

        var value = _payload.Slice(_position, nul);
        _position += nul + 1;
        return value;
    }

    public byte ReadByte(string field)
    {
        if (Remaining < 1)
            throw Error($"{_command}: the {field} is missing.");
        return _payload.Span[_position++];
    }

    public ushort ReadUInt16(string field)
    {
        if (Remaining < 2)
            throw Error($"{_command}: the {field} needs 2 bytes; {Remaining} left.");
        var value = BinaryPrimitives.ReadUInt16BigEndian(_payload.Span[_position..]);
        _position += 2;
        return value;
    }

    public uint ReadUInt32(string field)
    {
        if (Remaining < 4)
            throw Error($"{_command}: the {field} needs 4 bytes; {Remaining} left.");
        var value = BinaryPrimitives.ReadUInt32BigEndian(_payload.Span[_position..]);
        _position += 4;
        return value;
    }

    public readonly void ExpectEnd()
    {
        if (!IsAtEnd)
            throw Error($"{_command}: {Remaining} unexpected bytes after the last field.");
    }

    public readonly MilterProtocolException Error(string message) => new(MilterProtocolError.MalformedPayload, message);
}
