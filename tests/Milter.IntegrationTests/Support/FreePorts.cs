using System.Net;
using System.Net.Sockets;

namespace Milter.IntegrationTests.Support;

/// <summary>Loopback TCP ports nothing listens on right now (held together while chosen, so they differ).</summary>
internal static class FreePorts
{
    public static int One() => Take(1)[0];

    public static int[] Take(int count)
    {
        var sockets = Enumerable.Range(0, count).Select(_ =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return socket;
        }).ToList();
        var ports = sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToArray();
        sockets.ForEach(s => s.Dispose());
        return ports;
    }
}
