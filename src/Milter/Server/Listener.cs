using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Milter.Server;

/// <summary>
/// One listening socket of a server: binding it (with the reasons a bind fails, in words), the options of the
/// connections it accepts, and closing it.
/// </summary>
internal sealed class Listener
{
    private Listener(Socket socket, MilterAddress address, string? unixPath) =>
        (Socket, Address, UnixPath) = (socket, address, unixPath);

    /// <summary>The listening socket.</summary>
    public Socket Socket { get; }

    /// <summary>The address listened on (with the port the system chose, for port 0).</summary>
    public MilterAddress Address { get; }

    /// <summary>The socket file of a Unix socket; null for TCP.</summary>
    public string? UnixPath { get; }

    /// <summary>Binds and listens on <paramref name="address"/>; a Unix socket left by a dead process is removed first.</summary>
    /// <exception cref="MilterListenException">The address cannot be bound, with the reason in words.</exception>
    public static Listener Bind(MilterAddress address, MilterServerOptions options, ILogger log)
    {
        var unixPath = address.UnixPath;
        if (unixPath is not null)
            RemoveStaleSocket(address, unixPath, log);

        var socket = unixPath is null
            ? new Socket(address.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            if (unixPath is null)
            {
                Posix.AllowRebindAfterRestart(socket);
                if (OperatingSystem.IsLinux())
                    ConfigureTcp(socket);
            }

            socket.Bind(address.EndPoint);
            socket.Listen(options.Backlog);
            if (unixPath is not null && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(unixPath, options.UnixSocketMode);
            return new Listener(socket, unixPath is null ? MilterAddress.FromEndPoint(socket.LocalEndPoint!) : address, unixPath);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new MilterListenException(address.Text, (unixPath is null ? null : UnixSocketBindError.Explain(unixPath, e)) ?? e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the address is in use (is another instance running?)",
                SocketError.AccessDenied => "permission denied",
                _ => e.Message,
            }, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sets the TCP options on a connection this listener accepted.</summary>
    public void Configure(Socket accepted)
    {
        // Linux gives an accepted socket its listener's options (set in Bind): five system calls fewer per connection.
        if (UnixPath is null && !OperatingSystem.IsLinux())
            ConfigureTcp(accepted);
    }

    private static void ConfigureTcp(Socket socket)
    {
        socket.NoDelay = true; // Replies are batched already; Nagle would only add delay against delayed ACKs.
        // A peer that vanished without a FIN or RST (a crashed host, a dropped NAT entry) is found within about two minutes.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 60);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 6);
    }

    /// <summary>Closes the socket, and deletes its file if it is still ours.</summary>
    public void Close()
    {
        Socket.Dispose();
        // Only our socket: whatever replaced it since is not ours to delete.
        if (UnixPath is not null && Posix.IsSocket(UnixPath))
            File.Delete(UnixPath);
    }

    /// <summary>
    /// Like libmilter: a socket left by a process that died is removed; a socket a live process answers on, or anything
    /// that is not a socket (a configuration file named by mistake), stops the start and is left untouched.
    /// </summary>
    private static void RemoveStaleSocket(MilterAddress address, string path, ILogger log)
    {
        var existing = Posix.Describe(path);
        if (existing is null)
            return;
        if (!Posix.IsSocket(path))
            throw new MilterListenException(address.Text, $"{path} is {existing}, not a socket; it was left as it is. Remove it or choose another path.");
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new MilterListenException(address.Text, "another process is listening on this socket (is another instance running?)");
            }
            catch (SocketException)
            {
                // Nobody answers: the socket is stale.
            }
        }

        File.Delete(path);
        ServerLog.StaleSocketRemoved(log, path);
    }
}
