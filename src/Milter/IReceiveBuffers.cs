namespace Milter;

/// <summary>
/// The receive buffers of a transport that a session can steer: the server's sockets. Over any other transport the
/// session gives handlers a copy of a frame's bytes instead, and reads ahead as the transport does.
/// </summary>
internal interface IReceiveBuffers
{
    /// <summary>
    /// Keeps the buffer behind <paramref name="memory"/> from reuse until <paramref name="until"/> completes: a handler
    /// call that overran its limit reads the frame's own bytes safely until it returns.
    /// </summary>
    void Hold(ReadOnlyMemory<byte> memory, Task until);

    /// <summary>BODY frames arrive as their header alone: the transport discarded their payloads (the milter reads none).</summary>
    bool DropsBodyPayloads { get; }

    /// <summary>
    /// A handler call begins: the session reads nothing until it ends, so the transport reads only a little ahead
    /// meanwhile (an MTA that streams frames without waiting for replies would otherwise fill the buffers).
    /// </summary>
    void CallStarted();

    /// <summary>The handler call has ended: the session reads again.</summary>
    void CallEnded();
}
