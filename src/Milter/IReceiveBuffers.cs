namespace Milter;

/// <summary>
/// A transport that can keep a received buffer out of its pool for longer: the server's sockets. Over one, a handler
/// call that overran its limit reads the frame's own bytes safely until it returns; over any other transport the
/// session gives handlers a copy instead.
/// </summary>
internal interface IReceiveBufferOwner
{
    /// <summary>Keeps the buffer behind <paramref name="memory"/> from reuse until <paramref name="until"/> completes.</summary>
    void Hold(ReadOnlyMemory<byte> memory, Task until);
}
