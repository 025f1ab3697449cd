using System.Net.Sockets;

namespace Milter.Server;

/// <summary>
/// Acknowledges what a TCP socket receives at once (Linux TCP_QUICKACK, re-armed before every read because the kernel
/// clears it). Postfix writes no-reply commands back to back with Nagle on: without quick ACKs, its second small packet
/// waits for our delayed ACK, about 40 ms per message. A struct held by the connection.
/// </summary>
internal struct QuickAck(Socket socket)
{
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAck = 12;
    private bool _supported = OperatingSystem.IsLinux() && socket.ProtocolType == ProtocolType.Tcp;

    public void Arm()
    {
        if (!_supported)
            return;
        try
        {
            socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, [1, 0, 0, 0]);
        }
        catch (SocketException)
        {
            _supported = false;
        }
    }
}
