using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Milter.Server;

namespace Milter.Cli;

/// <summary>Opens connections to a milter and says in words, naming the address, why one could not be opened.</summary>
internal static class Connecting
{
    /// <summary>Runs <paramref name="connect"/> within <paramref name="timeout"/>; a failure becomes a <see cref="CommandException"/>.</summary>
    public static async Task<T> ConnectAsync<T>(MilterAddress address, TimeSpan timeout, Func<CancellationToken, Task<T>> connect, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await connect(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandException(string.Create(CultureInfo.InvariantCulture,
                $"no answer from {Name(address)} within {timeout.TotalSeconds:0.###} s: the connection was not accepted (a firewall that drops packets?)"), e);
        }
        catch (SocketException e)
        {
            throw new CommandException(Describe(e, address), e);
        }
    }

    /// <summary>A plain socket to the milter, for relaying.</summary>
    public static Task<Socket> ConnectAsync(MilterAddress address, TimeSpan timeout, CancellationToken cancellationToken) =>
        ConnectAsync(address, timeout, async token =>
        {
            var socket = address.UnixPath is null
                ? new Socket(address.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
                : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(address.EndPoint, token).ConfigureAwait(false);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, cancellationToken);

    private static string Describe(SocketException e, MilterAddress address)
    {
        if (address.UnixPath is { } path)
        {
            // A missing socket file comes back as "Cannot assign requested address"; say what it means.
            if (!File.Exists(path))
                return $"no milter is listening at {address}: the socket file does not exist";
            return e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"no milter is listening at {address}: the socket file exists, but nothing accepts connections on it (left behind by a milter that stopped?)",
                SocketError.AccessDenied => $"permission denied on {address}: this user may not connect to the socket file (check its owner, group and mode)",
                _ => $"cannot connect to {address}: {e.Message}",
            };
        }

        return e.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => $"connection refused by {Name(address)}: nothing listens there",
            SocketError.TimedOut => $"no answer from {Name(address)}: the connection attempt timed out",
            SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"{Name(address)} cannot be reached: {e.Message}",
            _ => $"cannot connect to {address}: {e.Message}",
        };
    }

    /// <summary>HOST:PORT for a network address, as the error would appear in a firewall or a netstat line; the path for a socket file.</summary>
    private static string Name(MilterAddress address) => address.EndPoint is IPEndPoint ip ? ip.ToString() : address.ToString();
}
