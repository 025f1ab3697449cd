using System.Net.Sockets;

namespace Milter.Server;

/// <summary>
/// A socket stream that acknowledges what it reads at once (Linux TCP_QUICKACK, re-armed before every read
/// because the kernel clears it). Postfix writes no-reply commands back to back with Nagle on: without quick
/// ACKs, its second small packet waits for our delayed ACK, about 40 ms per message.
/// </summary>
internal sealed class QuickAckStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
{
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAck = 12;
    private bool _supported = OperatingSystem.IsLinux();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArmQuickAck();
        return base.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ArmQuickAck();
        return base.ReadAsync(buffer, offset, count, cancellationToken);
    }

    private void ArmQuickAck()
    {
        if (!_supported)
            return;
        try
        {
            Socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, [1, 0, 0, 0]);
        }
        catch (SocketException)
        {
            _supported = false;
        }
    }
}
