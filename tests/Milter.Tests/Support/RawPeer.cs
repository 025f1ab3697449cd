using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Milter.Tests.Support;

/// <summary>An MTA as bare socket calls: for peers that send byte by byte, stall, and watch for the milter closing.</summary>
internal static class RawPeer
{
    /// <summary>Connects over TCP or a Unix socket, whichever <paramref name="endPoint"/> is.</summary>
    public static async Task<Socket> ConnectAsync(EndPoint endPoint)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    public static byte[] Frame(Action<System.Buffers.IBufferWriter<byte>> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends <paramref name="bytes"/> one at a time, <paramref name="pause"/> apart, until the milter closes; returns how long it took.</summary>
    public static async Task<TimeSpan> DripUntilClosedAsync(Socket socket, byte[] bytes, TimeSpan pause, TimeSpan giveUp)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var b in bytes)
        {
            if (Stopwatch.GetElapsedTime(started) > giveUp || await ClosedAsync(socket, pause))
                break;
            try
            {
                await socket.SendAsync(new[] { b });
            }
            catch (SocketException)
            {
                break;
            }
        }

        while (!await ClosedAsync(socket, pause) && Stopwatch.GetElapsedTime(started) < giveUp)
        {
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>True when the milter closed the connection (EOF or reset) within <paramref name="wait"/>.</summary>
    public static async Task<bool> ClosedAsync(Socket socket, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
