using System.Buffers;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// Where an end-of-message handler's changes wait for the verdict: the packets, their codes for logs and metrics, and
/// the header list that turns header positions into the MTA's. Shared by all sessions (<see cref="Spares{T}"/>) and
/// cleared for each message, so a message's changes cost no new objects and an idle connection holds none. (The writers
/// validate first and commit whole packets only, so a refused change leaves nothing behind.)
/// </summary>
internal sealed class ChangeBuffers
{
    private HeaderEditTranslator? _headers;

    public ArrayBufferWriter<byte> Packets { get; } = new(256);

    public List<MilterResponseCode> Codes { get; } = [];

    /// <summary>The header list for this message, made on the first header change.</summary>
    public HeaderEditTranslator HeadersFor(MilterContext context)
    {
        if (_headers is null)
            _headers = new HeaderEditTranslator(context.Mta, context.HeaderNames);
        else
            _headers.Reset(context.Mta, context.HeaderNames);
        return _headers;
    }

    /// <summary>Back to the shared spares, unless a message made them unusually large.</summary>
    public void Return()
    {
        if (Packets.Capacity <= 64 * 1024)
            Spares<ChangeBuffers>.Return(this);
    }

    public void Clear()
    {
        Packets.ResetWrittenCount();
        Codes.Clear();
    }
}
