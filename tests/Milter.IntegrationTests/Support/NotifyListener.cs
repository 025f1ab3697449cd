using System.Net.Sockets;
using System.Text;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// Plays systemd's side of NOTIFY_SOCKET: a Unix datagram socket, at a path or under an abstract name (<c>@name</c>,
/// as systemd writes it), that collects the lines a service sends.
/// </summary>
internal sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string? _path;

    private NotifyListener(string address, string? path)
    {
        Address = address;
        _path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path ?? "\0" + address[1..]));
    }

    /// <summary>What NOTIFY_SOCKET is set to.</summary>
    public string Address { get; }

    public static NotifyListener AtPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"notify-{Guid.NewGuid():N}.sock");
        return new NotifyListener(path, path);
    }

    public static NotifyListener Abstract() => new($"@milter-test-notify-{Guid.NewGuid():N}", null);

    /// <summary>The next datagram, or null when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var length = await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Throws away what arrived so far.</summary>
    public async Task DrainAsync()
    {
        while (await ReceiveAsync(TimeSpan.FromMilliseconds(20)) is not null)
        {
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_path is not null)
            File.Delete(_path);
    }
}
