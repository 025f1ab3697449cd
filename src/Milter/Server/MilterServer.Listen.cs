using System.Net.Sockets;

namespace Milter.Server;

public sealed partial class MilterServer
{
    private Listener Bind(MilterAddress address)
    {
        var unixPath = address.UnixPath;
        if (unixPath is not null)
            RemoveStaleSocket(address, unixPath);

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
            socket.Listen(_options.Backlog);
            if (unixPath is not null && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(unixPath, _options.UnixSocketMode);
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

    /// <summary>
    /// Like libmilter: a socket left by a process that died is removed; a socket a live process answers on, or anything
    /// that is not a socket (a configuration file named by mistake), stops the start and is left untouched.
    /// </summary>
    private void RemoveStaleSocket(MilterAddress address, string path)
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
        ServerLog.StaleSocketRemoved(_log, path);
    }

    private void CloseListeners()
    {
        foreach (var listener in _listeners)
        {
            listener.Socket.Dispose();
            // Only our socket: whatever replaced it since is not ours to delete.
            if (listener.UnixPath is not null && Posix.IsSocket(listener.UnixPath))
                File.Delete(listener.UnixPath);
        }
    }

    private sealed record Listener(Socket Socket, MilterAddress Address, string? UnixPath);
}
