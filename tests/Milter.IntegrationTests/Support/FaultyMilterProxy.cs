using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// A stand-in for an external milter that misbehaves on purpose: each connection takes the next fault queued with
/// <see cref="Next"/>, and with none passes every packet both ways to the real milter at the target.
/// </summary>
internal sealed class FaultyMilterProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentQueue<(MilterFault Fault, char At)> _faults = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Task _accepting;

    public FaultyMilterProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's address in milter syntax.</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"inet:{((IPEndPoint)_listener.LocalEndpoint).Port}@127.0.0.1");

    /// <summary>The next connection misbehaves this way when the relay sends command <paramref name="at"/> (the first byte of its packet).</summary>
    public void Next(MilterFault fault, char at = 'O') => _faults.Enqueue((fault, at));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        foreach (var socket in _sockets)
            socket.Dispose();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            _sockets.Add(client);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var (fault, at) = _faults.TryDequeue(out var next) ? next : (MilterFault.None, '\0');
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(upstream);
        try
        {
            await upstream.ConnectAsync(_target);
            _ = PumpAsync(upstream, client);
            var forwarding = true;
            while (await ReadPacketAsync(client) is { } packet)
            {
                if (forwarding && fault != MilterFault.None && packet[4] == at)
                {
                    forwarding = false;
                    switch (fault)
                    {
                        case MilterFault.Garbage:
                            // A packet with a response byte no milter sends.
                            await client.SendAsync(new byte[] { 0, 0, 0, 1, (byte)'Z' });
                            break;
                        case MilterFault.Die:
                            client.Close();
                            upstream.Close();
                            return;
                    }
                }

                if (forwarding)
                    await upstream.SendAsync(packet);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The relay went away, or the test ended.
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[65536];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed on one side.
        }
    }

    private static async Task<byte[]?> ReadPacketAsync(Socket socket)
    {
        var header = new byte[4];
        if (!await FillAsync(socket, header))
            return null;
        var packet = new byte[4 + BinaryPrimitives.ReadInt32BigEndian(header)];
        header.CopyTo(packet, 0);
        return await FillAsync(socket, packet.AsMemory(4)) ? packet : null;
    }

    private static async Task<bool> FillAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var read = await socket.ReceiveAsync(buffer);
            if (read == 0)
                return false;
            buffer = buffer[read..];
        }

        return true;
    }
}

/// <summary>How a <see cref="FaultyMilterProxy"/> connection misbehaves.</summary>
internal enum MilterFault
{
    /// <summary>It passes everything on.</summary>
    None,

    /// <summary>From the trigger command on, it forwards nothing and answers nothing: a milter that hangs.</summary>
    Hang,

    /// <summary>It answers the trigger command with a packet no milter sends.</summary>
    Garbage,

    /// <summary>It closes the connection at the trigger command: a milter that dies.</summary>
    Die,
}
