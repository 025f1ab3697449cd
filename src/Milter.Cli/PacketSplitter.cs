using System.Buffers.Binary;

namespace Milter.Cli;

/// <summary>Cuts one direction of a milter connection into whole packets by their length fields, however the bytes arrive.</summary>
internal sealed class PacketSplitter
{
    /// <summary>Far above any real packet (MTAs send at most 65535 payload bytes); a larger length means the bytes are not milter packets.</summary>
    private const uint MaxLength = 16 * 1024 * 1024;

    private byte[] _buffer = new byte[4096];
    private int _count;

    /// <summary>Bytes received that do not yet make a whole packet.</summary>
    public int Pending => _count;

    /// <summary>True once a length field was impossible; nothing more is cut.</summary>
    public bool Broken { get; private set; }

    /// <summary>Adds received bytes and returns the whole packets they complete (length, command and payload).</summary>
    /// <exception cref="InvalidDataException">A length field is 0 or impossibly large: the peer does not speak the milter protocol.</exception>
    public List<byte[]> Add(ReadOnlySpan<byte> bytes)
    {
        if (Broken)
            return [];
        if (_count + bytes.Length > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + bytes.Length));
        bytes.CopyTo(_buffer.AsSpan(_count));
        _count += bytes.Length;

        var packets = new List<byte[]>();
        var start = 0;
        while (_count - start >= 4)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(start));
            if (length == 0 || length > MaxLength)
            {
                Broken = true;
                throw new InvalidDataException($"{_count - start} bytes that are not a milter packet (a length field of {length}), starting {Convert.ToHexStringLower(_buffer.AsSpan(start, Math.Min(16, _count - start)))}");
            }

            if (_count - start < 4 + length)
                break;
            packets.Add(_buffer.AsSpan(start, 4 + (int)length).ToArray());
            start += 4 + (int)length;
        }

        _buffer.AsSpan(start, _count - start).CopyTo(_buffer);
        _count -= start;
        return packets;
    }
}
