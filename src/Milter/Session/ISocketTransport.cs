namespace Milter;

/// <summary>
/// What the server's sockets offer a session beyond a duplex pipe: receive buffers it can steer, and word of the MTA's
/// leaving. Over any other transport the session gives handlers a copy of a frame's bytes, reads ahead as the transport
/// does, and learns of the MTA's leaving at its next read.
/// </summary>
internal interface ISocketTransport
{
    /// <summary>
    /// Keeps the buffer behind <paramref name="memory"/> from reuse until <paramref name="until"/> completes: a handler
    /// call that overran its limit reads the frame's own bytes safely until it returns.
    /// </summary>
    void Hold(ReadOnlyMemory<byte> memory, Task until);

    /// <summary>BODY frames arrive as their header alone: the transport discarded their payloads (the milter reads none).</summary>
    bool DropsBodyPayloads { get; }

    /// <summary>
    /// Whether the payload of a BODY frame the session has read the header of is still being dropped as it arrives: the
    /// frame is not whole yet, and its whole-frame deadline runs from <paramref name="arrived"/> (a
    /// <see cref="System.Diagnostics.Stopwatch"/> timestamp) as any frame's does. When true, the session's pending read is
    /// woken (cancelled) once the frame is whole, so that it waits for the next command on the idle limit again.
    /// </summary>
    /// <param name="arrived">When the frame's first byte arrived.</param>
    /// <param name="length">The payload's length, for the log.</param>
    bool WatchDroppedBody(out long arrived, out long length);

    /// <summary>
    /// A handler call begins: the session reads nothing until it ends, so the transport reads only a little ahead
    /// meanwhile (an MTA that streams frames without waiting for replies would otherwise fill the buffers).
    /// </summary>
    void CallStarted();

    /// <summary>The handler call has ended: the session reads again.</summary>
    void CallEnded();

    /// <summary>
    /// The session has handled a read and has no reply for it: the transport acknowledges the bytes now. An MTA that
    /// writes with Nagle on holds its next small write until they are, and a delayed acknowledgement costs it up to
    /// 40 ms. A read that gets a reply needs nothing: the reply carries the acknowledgement.
    /// </summary>
    void AcknowledgeNow();

    /// <summary>Whether the MTA closed or reset the connection (or the server aborted it).</summary>
    bool PeerClosed { get; }

    /// <summary>
    /// Raises <see cref="ITransportEvents.PeerClosed"/> when the MTA goes (at once if it has gone already; perhaps
    /// twice), so a running handler call ends with it, and <see cref="ITransportEvents.Aborted"/> when the server aborts
    /// the connection (after cancelling the token the session runs with). The transport knows its listener only by
    /// these two events.
    /// </summary>
    void WatchPeer(ITransportEvents listener);

    /// <summary>The session is over (its replies are flushed): the transport closes its side and ends its receive.</summary>
    void SessionEnded();
}

/// <summary>What a transport tells the session that runs on it, from its own thread: the one way the transport calls back.</summary>
internal interface ITransportEvents
{
    /// <summary>The MTA closed or reset the connection: a running step's call ends now.</summary>
    void PeerClosed();

    /// <summary>The server aborts the connection: the current wait or handler call ends now.</summary>
    void Aborted();
}
