using System.Buffers;
using System.Buffers.Binary;

namespace Milter.Protocol;

/// <summary>
/// Splits a byte stream into milter frames: a 4-byte big-endian length (counting the command byte),
/// the command byte, then the payload. One reader per connection; not thread-safe.
/// </summary>
/// <remarks>
/// The size limit and the command byte are checked from the 5-byte header alone, before any payload is
/// buffered. A payload that spans buffer segments is copied into a buffer rented from the shared array pool and
/// returned at the next call to <see cref="TryRead"/> (so an idle connection keeps none), so a frame's payload is
/// valid until the next call to <see cref="TryRead"/> or until the caller advances its buffer past the frame,
/// whichever comes first.
/// </remarks>
public sealed class MilterFrameReader
{
    /// <summary>The default largest payload accepted: 1 MiB, well above the 65535 bytes either MTA sends.</summary>
    public const int DefaultMaxPayloadLength = 1024 * 1024;

    /// <summary>Bytes before the payload: the 4-byte length and the command byte.</summary>
    public const int HeaderLength = 5;

    private byte[]? _rented;

    /// <summary>Creates a reader for frames written by <paramref name="source"/>.</summary>
    /// <param name="source">Which side wrote the frames; decides which command bytes are valid.</param>
    /// <param name="maxPayloadLength">The largest payload accepted, in bytes.</param>
    public MilterFrameReader(FrameSource source, int maxPayloadLength = DefaultMaxPayloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPayloadLength);
        Source = source;
        MaxPayloadLength = maxPayloadLength;
    }

    /// <summary>Which side wrote the frames.</summary>
    public FrameSource Source { get; }

    /// <summary>The largest payload accepted, in bytes.</summary>
    public int MaxPayloadLength { get; }

    /// <summary>
    /// BODY frames come back without their payload when it spans buffers: a milter that takes no body chunk needs only
    /// their length, and a 64 KiB chunk over 16 KiB receive buffers would otherwise be copied whole for nothing.
    /// </summary>
    internal bool SkipsBodyPayload { get; init; }

    /// <summary>
    /// The transport took every BODY payload out of the stream (the server's sockets, for a milter that reads no body
    /// chunk): a BODY frame is its 5-byte header alone, and comes back with its announced length and no payload.
    /// </summary>
    internal bool BodyPayloadsRemoved { get; set; }

    /// <summary>Reads one frame from the start of <paramref name="buffer"/>, if it holds a whole one.</summary>
    /// <param name="buffer">Bytes received so far.</param>
    /// <param name="frame">The frame, when the method returns <see langword="true"/>.</param>
    /// <param name="consumed">The position after the frame, or the start of the buffer when no whole frame is there yet.</param>
    /// <returns><see langword="true"/> when a whole frame was read; <see langword="false"/> when more bytes are needed.</returns>
    /// <exception cref="MilterProtocolException">The length is 0 or over the limit, or the command byte is unknown.</exception>
    public bool TryRead(in ReadOnlySequence<byte> buffer, out MilterFrame frame, out SequencePosition consumed)
    {
        // The previous frame's payload is no longer valid: its copy goes back to the pool.
        if (_rented is { } previous)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(previous);
        }

        frame = default;
        consumed = buffer.Start;
        if (buffer.Length < 4)
            return false;

        Span<byte> copy = stackalloc byte[HeaderLength];
        var first = buffer.FirstSpan;
        ReadOnlySpan<byte> header = first.Length >= HeaderLength ? first : copy;
        if (first.Length < HeaderLength)
            buffer.Slice(0, Math.Min(HeaderLength, buffer.Length)).CopyTo(copy);

        // The length alone decides these, before the command byte or any payload arrives.
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0)
            throw new MilterProtocolException(MilterProtocolError.ZeroLength, "Frame length is 0; a frame holds at least its command byte.");
        if (length - 1 > (uint)MaxPayloadLength)
        {
            throw new MilterProtocolException(MilterProtocolError.FrameTooLarge,
                $"A frame announces a payload of {length - 1} bytes; the limit is {MaxPayloadLength}.");
        }

        if (buffer.Length < HeaderLength)
            return false;
        var command = header[4];

        if (!IsKnown(command))
        {
            throw new MilterProtocolException(MilterProtocolError.UnknownCommand,
                $"Unknown {(Source == FrameSource.Mta ? "command" : "response")} byte {MilterFrame.Describe(command)}.");
        }

        var payloadLength = (int)(length - 1);
        if (BodyPayloadsRemoved && (MilterCommandCode)command == MilterCommandCode.Body)
        {
            frame = new MilterFrame(command, payloadLength);
            consumed = buffer.GetPosition(HeaderLength);
            return true;
        }

        if (first.Length >= HeaderLength + payloadLength)
        {
            // The common case: the whole frame is in the first segment.
            frame = new MilterFrame(command, buffer.First.Slice(HeaderLength, payloadLength));
            consumed = buffer.GetPosition(HeaderLength + payloadLength);
            return true;
        }

        if (buffer.Length < HeaderLength + payloadLength)
            return false;

        var payload = buffer.Slice(HeaderLength, payloadLength);
        frame = SkipsBodyPayload && (MilterCommandCode)command == MilterCommandCode.Body
            ? new MilterFrame(command, payloadLength)
            : new MilterFrame(command, Contiguous(payload));
        consumed = payload.End;
        return true;
    }

    /// <summary>
    /// Call when the peer has closed the connection: throws if <paramref name="remaining"/> holds the start of a frame.
    /// </summary>
    /// <exception cref="MilterProtocolException">Bytes of an incomplete frame are left over.</exception>
    public static void ThrowIfIncomplete(in ReadOnlySequence<byte> remaining)
    {
        if (remaining.IsEmpty)
            return;
        var expected = "unknown";
        if (remaining.Length >= 4)
        {
            Span<byte> prefix = stackalloc byte[4];
            remaining.Slice(0, 4).CopyTo(prefix);
            expected = (BinaryPrimitives.ReadUInt32BigEndian(prefix) + 4L).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        throw new MilterProtocolException(MilterProtocolError.TruncatedFrame,
            $"The connection closed in the middle of a frame: {remaining.Length} bytes received of {expected}.");
    }

    private bool IsKnown(byte command) => Source == FrameSource.Mta ? IsCommand(command) : IsResponse(command);

    internal static bool IsCommand(byte command) => (MilterCommandCode)command is
        MilterCommandCode.Abort or MilterCommandCode.Body or MilterCommandCode.Connect or MilterCommandCode.Macro
        or MilterCommandCode.EndOfBody or MilterCommandCode.Helo or MilterCommandCode.QuitNewConnection
        or MilterCommandCode.Header or MilterCommandCode.Mail or MilterCommandCode.EndOfHeaders
        or MilterCommandCode.OptionNegotiation or MilterCommandCode.Quit or MilterCommandCode.Rcpt
        or MilterCommandCode.Data or MilterCommandCode.Unknown;

    internal static bool IsResponse(byte command) => (MilterResponseCode)command is
        MilterResponseCode.AddRecipient or MilterResponseCode.DeleteRecipient or MilterResponseCode.AddRecipientWithParameters
        or MilterResponseCode.Shutdown or MilterResponseCode.Accept or MilterResponseCode.ReplaceBody
        or MilterResponseCode.Continue or MilterResponseCode.Discard or MilterResponseCode.ChangeSender
        or MilterResponseCode.ConnectionFailure or MilterResponseCode.AddHeader or MilterResponseCode.InsertHeader
        or MilterResponseCode.ChangeHeader or MilterResponseCode.Progress or MilterResponseCode.Quarantine
        or MilterResponseCode.Reject or MilterResponseCode.Skip or MilterResponseCode.Tempfail
        or MilterResponseCode.ReplyCode or MilterResponseCode.OptionNegotiation;

    /// <summary>Leaves the current frame's copy (if any) to whoever still reads it, instead of returning it to the pool.</summary>
    internal void ReleaseCopy() => _rented = null;

    private ReadOnlyMemory<byte> Contiguous(in ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
            return payload.First;

        var length = (int)payload.Length;
        _rented = ArrayPool<byte>.Shared.Rent(length);
        payload.CopyTo(_rented);
        return _rented.AsMemory(0, length);
    }
}
