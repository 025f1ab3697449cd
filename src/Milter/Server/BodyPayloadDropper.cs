using Milter.Protocol;

namespace Milter.Server;

/// <summary>
/// Follows the frames of a received byte stream and takes the payload of every BODY frame out of it, for a milter that
/// reads no body chunk: what stays is each BODY frame's 5-byte header, which still tells the session the chunk's length
/// (<see cref="MilterFrameReader.BodyPayloadsRemoved"/>). Payload bytes already received are cut out of the buffer;
/// the rest is left for the receive loop to discard in the kernel (<see cref="PayloadToDiscard"/>), so an MTA that
/// streams a body the milter never reads costs no copy and no buffer.
/// </summary>
/// <remarks>
/// A header the session will refuse (length 0 or over the limit) ends the dropping: from there on every byte goes
/// through untouched, and the session reports the error on that very header. A struct, held in the connection: an idle
/// connection pays no object for it.
/// </remarks>
internal struct BodyPayloadDropper(int maxPayloadLength)
{
    private uint _length;
    private int _headerFill;
    private long _passLeft; // payload bytes of the current frame that stay
    private long _headerArrived;
    private bool _broken;

    /// <summary>Payload bytes of the current BODY frame still to come, to be discarded before anything else is read.</summary>
    public long PayloadToDiscard { readonly get; private set; }

    /// <summary>The length of the BODY payload being discarded, for the error when the connection ends inside it.</summary>
    public long DiscardedPayloadLength { readonly get; private set; }

    /// <summary>
    /// When the first byte of the BODY frame being discarded arrived (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp): the frame's deadline runs from there, as any frame's does.
    /// </summary>
    public long DiscardedFrameArrived { readonly get; private set; }

    /// <summary>Takes body payload bytes out of <paramref name="received"/> in place.</summary>
    /// <param name="received">The bytes of one receive.</param>
    /// <param name="receivedAt">When they arrived (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</param>
    /// <returns>How many bytes remain, at the start of <paramref name="received"/>.</returns>
    public int Filter(Span<byte> received, long receivedAt)
    {
        var kept = 0;
        var next = 0;
        while (next < received.Length)
        {
            var left = received.Length - next;
            if (_broken || _passLeft > 0)
            {
                var take = _broken ? left : (int)Math.Min(_passLeft, left);
                if (kept != next)
                    received.Slice(next, take).CopyTo(received[kept..]);
                (kept, next) = (kept + take, next + take);
                if (!_broken)
                    _passLeft -= take;
            }
            else if (PayloadToDiscard > 0)
            {
                var take = (int)Math.Min(PayloadToDiscard, left);
                next += take;
                PayloadToDiscard -= take;
            }
            else
            {
                var b = received[next++];
                received[kept++] = b;
                if (_headerFill == 0)
                    _headerArrived = receivedAt;
                if (++_headerFill < MilterFrameReader.HeaderLength)
                    _length = (_length << 8) | b;
                else
                    StartFrame(command: b);
            }
        }

        return kept;
    }

    /// <summary>The error for a connection that ended inside a payload being discarded.</summary>
    public readonly MilterProtocolException Truncated() => new(MilterProtocolError.TruncatedFrame,
        $"The connection closed in the middle of a frame: {PayloadToDiscard} bytes of a {DiscardedPayloadLength}-byte body chunk never came.");

    /// <summary>The receive loop discarded <paramref name="count"/> payload bytes in the kernel.</summary>
    public void Discarded(int count) => PayloadToDiscard -= count;

    private void StartFrame(byte command)
    {
        var length = _length;
        (_length, _headerFill) = (0, 0);
        if (length == 0 || length - 1 > (uint)maxPayloadLength)
            _broken = true;
        else if ((MilterCommandCode)command == MilterCommandCode.Body)
            (PayloadToDiscard, DiscardedPayloadLength, DiscardedFrameArrived) = (length - 1, length - 1, _headerArrived);
        else
            _passLeft = length - 1;
    }
}
