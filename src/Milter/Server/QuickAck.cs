using System.Net.Sockets;

namespace Milter.Server;

/// <summary>
/// Acknowledges at once what a TCP socket received (Linux TCP_QUICKACK), after a read the milter has no reply for.
/// Postfix writes no-reply commands back to back with Nagle on: its second small packet waits until the first is
/// acknowledged, and a delayed ACK costs about 40 ms per message. A reply carries the acknowledgement itself, so a read
/// that gets one needs nothing: arming before every read, as this did first, made the kernel send a bare ACK ahead of
/// each reply, at 10 to 25 % of the CPU per message on persistent connections. A struct held by the connection.
/// </summary>
internal struct QuickAck(Socket socket)
{
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAck = 12;
    private bool _supported = OperatingSystem.IsLinux() && socket.ProtocolType == ProtocolType.Tcp;

    public void AcknowledgeNow()
    {
        if (!_supported)
            return;
        try
        {
            // Linux leaves its delayed-ACK (interactive) mode first, then sends the ACK it was holding: one call is enough.
            socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, [1, 0, 0, 0]);
        }
        catch (SocketException)
        {
            _supported = false;
        }
        catch (ObjectDisposedException)
        {
            // The server aborted the connection meanwhile: nothing left to acknowledge.
        }
    }
}
