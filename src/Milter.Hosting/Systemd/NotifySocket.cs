using System.Net.Sockets;
using System.Text;

namespace Milter.Hosting;

/// <summary>Sends state lines (<c>WATCHDOG=1</c>) to systemd's notification socket: one Unix datagram each.</summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _endPoint;

    /// <param name="address">A socket path, or an abstract socket name written with a leading <c>@</c> (as systemd writes it).</param>
    public NotifySocket(string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        _endPoint = new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address);
    }

    /// <summary>Sends <paramref name="state"/>; throws <see cref="SocketException"/> when nothing receives there.</summary>
    public void Send(string state) => _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endPoint);

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();
}
