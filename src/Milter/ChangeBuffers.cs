using System.Buffers;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// Where an end-of-message handler's changes wait for the verdict: the packets, and their codes for logs and metrics.
/// One per connection, cleared for each message, so a message's changes cost no new buffers. (The writers validate
/// first and commit whole packets only, so a refused change leaves nothing behind.)
/// </summary>
internal sealed class ChangeBuffers
{
    public ArrayBufferWriter<byte> Packets { get; } = new(256);

    public List<MilterResponseCode> Codes { get; } = [];

    public void Clear()
    {
        Packets.ResetWrittenCount();
        Codes.Clear();
    }
}
