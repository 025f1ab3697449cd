using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Milter.Protocol;

namespace Milter.Soak;

/// <summary>The time and memory attacks of issue 14, each printing what it measured.</summary>
internal static class Attacks
{
    private static readonly byte[] Offer = Frame(new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All).WriteTo);

    public static async Task<int> IdleAsync(EndPoint endPoint, int pid, int count)
    {
        var before = MilterProcess.ResidentMiB(pid);
        var sockets = new List<Socket>();
        for (var i = 0; i < count; i++)
        {
            var socket = await ConnectAsync(endPoint);
            await socket.SendAsync(Offer);
            await ReadSomeAsync(socket);
            sockets.Add(socket);
        }

        await Task.Delay(2000);
        var held = MilterProcess.ResidentMiB(pid);
        Print($"idle: {count} negotiated connections: RSS {before:F0} -> {held:F0} MiB, {(held - before) * 1024 / count:F1} KiB per connection, {MilterProcess.OpenFiles(pid)} files open");
        foreach (var socket in sockets)
            socket.Dispose();
        await Task.Delay(3000);
        Print($"idle: after closing them: RSS {MilterProcess.ResidentMiB(pid):F0} MiB");
        return 0;
    }

    public static async Task<int> HalfFramesAsync(EndPoint endPoint, int pid, int count)
    {
        var before = MilterProcess.ResidentMiB(pid);
        var half = new byte[512 * 1024];
        BinaryPrimitives.WriteUInt32BigEndian(half, 1024 * 1024 + 1);
        half[4] = (byte)MilterCommandCode.Body;
        var sockets = new List<Socket>();
        var closed = 0;
        for (var i = 0; i < count; i++)
        {
            var socket = await ConnectAsync(endPoint);
            try
            {
                await socket.SendAsync(Offer);
                await ReadSomeAsync(socket);
                await socket.SendAsync(half);
            }
            catch (SocketException)
            {
                closed++;
            }

            sockets.Add(socket);
        }

        await Task.Delay(3000);
        var held = MilterProcess.ResidentMiB(pid);
        closed += sockets.Count(s => s.Poll(0, SelectMode.SelectRead) && s.Available == 0);
        Print($"halfframes: {count} connections sent half a 1 MiB frame ({count / 2} MiB): RSS {before:F0} -> {held:F0} MiB; {closed} closed by the milter");
        foreach (var socket in sockets)
            socket.Dispose();
        for (var seconds = 5; seconds <= 30; seconds += 25)
        {
            await Task.Delay(seconds == 5 ? 5000 : 25000);
            Print($"halfframes: {seconds} s after closing them: RSS {MilterProcess.ResidentMiB(pid):F0} MiB");
        }

        return 0;
    }

    public static async Task<int> SlowlorisAsync(EndPoint endPoint)
    {
        using (var silent = await ConnectAsync(endPoint))
        {
            var started = Stopwatch.GetTimestamp();
            await WaitClosedAsync(silent, TimeSpan.FromMinutes(3));
            Print($"slowloris: a connection that never sends OPTNEG closed after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        }

        using var dripping = await ConnectAsync(endPoint);
        await dripping.SendAsync(Offer);
        await ReadSomeAsync(dripping);
        var header = Frame(w => MtaCommandWriter.WriteHeader(w, "Subject", new string('x', 500)));
        var start = Stopwatch.GetTimestamp();
        foreach (var b in header)
        {
            if (dripping.Poll(0, SelectMode.SelectRead) || Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(3))
                break;
            try
            {
                await dripping.SendAsync(new[] { b });
            }
            catch (SocketException)
            {
                break;
            }

            await Task.Delay(1000);
        }

        Print($"slowloris: a frame dripped at 1 byte/s closed after {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
        return 0;
    }

    internal static byte[] Frame(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    internal static async Task<Socket> ConnectAsync(EndPoint endPoint)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    private static async Task ReadSomeAsync(Socket socket)
    {
        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
    }

    private static async Task WaitClosedAsync(Socket socket, TimeSpan limit)
    {
        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
    }

    internal static void Print(string line) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} {line}"));
}
