using System.Net;
using System.Net.Sockets;

namespace Milter.Tests.Support;

/// <summary>
/// Something listening on a free loopback port that runs a script for each connection: an SMTP or HTTP server, a
/// peer that never answers, or a milter that only negotiates.
/// </summary>
internal sealed class ScriptedPeer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ScriptedPeer(Func<Socket, Task> script)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket connection;
                try
                {
                    connection = await _listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return; // disposed
                }

                _ = Task.Run(async () =>
                {
                    using (connection)
                    {
                        try
                        {
                            await script(connection);
                        }
                        catch (SocketException)
                        {
                            // The client went away first.
                        }
                    }
                });
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public string Address => $"inet:{Port}@127.0.0.1";

    public void Dispose() => _listener.Dispose();
}
