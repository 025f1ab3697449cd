using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>Peers that attack with time and memory, against the real socket server: every wait and every buffer is bounded.</summary>
public class HostilePeerTests
{
    private static IMilterHandlerFactory Plain() => new StallingHandler().Factory();

    private static Task<Socket> ConnectAsync(MilterServer server) => RawPeer.ConnectAsync(server.Addresses[0].EndPoint);

    private static byte[] Frame(Action<System.Buffers.IBufferWriter<byte>> write) => RawPeer.Frame(write);

    private static Task<TimeSpan> DripUntilClosedAsync(Socket socket, byte[] bytes, TimeSpan pause, TimeSpan giveUp) =>
        RawPeer.DripUntilClosedAsync(socket, bytes, pause, giveUp);

    private static Task<bool> ClosedAsync(Socket socket, TimeSpan wait) => RawPeer.ClosedAsync(socket, wait);

    [Fact]
    public async Task A_frame_dripped_a_byte_at_a_time_is_closed_within_the_read_timeout_not_reset_by_each_read()
    {
        var log = new ListLogger();
        await using var server = await TestServer.StartAsync(Plain(), o => o.ReadTimeout = TimeSpan.FromSeconds(2), log);
        using var socket = await ConnectAsync(server);
        await socket.SendAsync(Frame(FakeMta.FullOffer.WriteTo));
        await Task.Delay(200);

        // A 200-byte header at 5 bytes a second would take 40 s; every read restarting the timer would never close it.
        var header = Frame(w => MtaCommandWriter.WriteHeader(w, "Subject", new string('x', 180)));
        var took = await DripUntilClosedAsync(socket, header, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

        Assert.InRange(took, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(8));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("a frame took longer than 00:00:02 to arrive", StringComparison.Ordinal));
        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0));
    }

    [Fact]
    public async Task A_connection_that_never_negotiates_is_closed_after_the_negotiation_timeout()
    {
        var log = new ListLogger();
        await using var server = await TestServer.StartAsync(Plain(), o => o.NegotiationTimeout = TimeSpan.FromSeconds(1), log);
        using var silent = await ConnectAsync(server);
        using var dripping = await ConnectAsync(server);

        var started = Stopwatch.GetTimestamp();
        var silentClosed = ClosedAsync(silent, TimeSpan.FromSeconds(20));
        var drippingTook = await DripUntilClosedAsync(dripping, Frame(FakeMta.FullOffer.WriteTo), TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(20));

        Assert.True(await silentClosed);
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(8));
        Assert.InRange(drippingTook, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(8));
        Assert.Equal(2, log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("no option negotiation within 00:00:01", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Connections_over_the_cap_are_refused_at_once_with_one_warning_per_interval()
    {
        using var metrics = new MetricRecorder();
        var log = new ListLogger();
        await using var server = await TestServer.StartAsync(Plain(), o => o.MaxConnections = 2, log);
        await using var first = await TestServer.OpenAsync(server);
        await using var second = await TestServer.OpenAsync(server);

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < 50; i++)
        {
            using var refused = await ConnectAsync(server);
            Assert.True(await ClosedAsync(refused, TimeSpan.FromSeconds(5)));
        }

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "every refusal was seen at once");
        var warning = Assert.Single(log.Entries, e => e.Message.StartsWith("Connection refused", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("2 connections already open (MaxConnections)", warning.Message, StringComparison.Ordinal);
        // Other tests may refuse connections meanwhile: at least these fifty were counted.
        Assert.True(metrics.Snapshot().Count(m => m.Instrument == "milter.connection.refused" && m.Tags == "milter.refusal.reason=limit") >= 50);

        // The connections within the cap still work.
        await first.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        Assert.Equal(MilterResponse.Continue, await first.ReadAsync());
    }

    [Fact]
    public async Task Half_sent_large_frames_hold_no_more_than_the_buffer_budget_and_give_it_back()
    {
        var log = new ListLogger();
        const long Budget = 4L * 1024 * 1024;
        await using var server = await TestServer.StartAsync(Plain(), o =>
        {
            o.MaxBufferedBytes = Budget;
            o.ReadTimeout = TimeSpan.FromSeconds(30);
        }, log);

        // Twenty connections each send half of a 1 MiB frame: 10 MiB wanted, 4 MiB allowed.
        var half = new byte[512 * 1024];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(half, 1024 * 1024);
        half[4] = (byte)'B';
        var sockets = new List<Socket>();
        for (var i = 0; i < 20; i++)
        {
            var socket = await ConnectAsync(server);
            await socket.SendAsync(Frame(FakeMta.FullOffer.WriteTo));
            sockets.Add(socket);
        }

        // What is held is sampled while the halves arrive: which connections the budget closes, and so what is held at
        // the end (up to the budget, or nothing when every connection asked at once), depends on the order of arrival.
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.BufferedBytes);
                await Task.Delay(1);
            }
        });
        await Task.WhenAll(sockets.Select(async s =>
        {
            try
            {
                await s.SendAsync(half);
            }
            catch (SocketException)
            {
                // Closed by the budget.
            }
        }));
        await Task.Delay(500);
        await sampling.CancelAsync();
        await sampler;

        Assert.InRange(peak, 1, Budget);
        Assert.InRange(server.BufferedBytes, 0, Budget);
        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount <= 8), $"{server.ConnectionCount} connections still open");
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("the 4 MiB all connections may hold for incoming frames (MaxBufferedBytes) are in use", StringComparison.Ordinal));

        foreach (var socket in sockets)
            socket.Dispose();
        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0 && server.BufferedBytes == 0), $"{server.BufferedBytes} bytes still held");
    }

    [Fact]
    public async Task An_MTA_that_stops_reading_our_replies_is_closed_after_the_read_timeout()
    {
        var log = new ListLogger();
        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.ChangeBody }, () => new StallingHandler
        {
            EndOfMessage = (message, _) =>
            {
                message.ReplaceBody(new MemoryStream(new byte[32 * 1024 * 1024])); // far more than the socket buffers hold
                return ValueTask.FromResult(MilterVerdict.Accept);
            },
        });
        await using var server = await TestServer.StartAsync(factory, o => o.ReadTimeout = TimeSpan.FromSeconds(1), log);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(server.Addresses[0].EndPoint);
        await socket.SendAsync(Frame(FakeMta.FullOffer.WriteTo));
        await socket.SendAsync(Frame(w => MtaCommandWriter.WriteConnect(w, "client", ConnectionFamily.IPv4, 1, "192.0.2.1")));
        await socket.SendAsync(Frame(w => MtaCommandWriter.WriteMail(w, "<a@b.example>")));
        await socket.SendAsync(Frame(w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfBody)));

        // It never reads: the milter's flush must not wait forever. (The count alone could be 0 before the server has
        // even accepted the connection, on a loaded machine: the log line comes first.)
        Assert.True(await TestServer.EventuallyAsync(() => log.Entries.Any(e => e.Message.Contains("the MTA did not take our replies within 00:00:01", StringComparison.Ordinal)), 15),
            "no read-timeout line: " + string.Join(" / ", log.Entries.Select(e => e.Message)));
        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0, 15), "the connection is still open: " + string.Join(" / ", log.Entries.Select(e => e.Message)));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Accepted_connections_run_a_keepalive_timer_against_peers_that_vanish()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Skip("reads /proc/net/tcp");
        await using var server = await TestServer.StartAsync(Plain(), _ => { });
        using var client = await ConnectAsync(server);
        await Task.Delay(200);

        // The milter's side of the connection: local port the server's, remote port the client's; timer 2 is keepalive.
        var serverPort = ((System.Net.IPEndPoint)server.Addresses[0].EndPoint).Port;
        var clientPort = ((System.Net.IPEndPoint)client.LocalEndPoint!).Port;
        var line = File.ReadLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(f => f[1].EndsWith($":{serverPort:X4}", StringComparison.Ordinal) && f[2].EndsWith($":{clientPort:X4}", StringComparison.Ordinal)
                && f[3] == "01"); // established: a closed connection of an earlier test may linger in TIME_WAIT on the same ports
        Assert.StartsWith("02:", line[5], StringComparison.Ordinal);
        // Armed for our 60 s, not Linux's default two hours: the options reached the accepted socket.
        Assert.InRange(Convert.ToInt64(line[5][3..], 16), 1, 60 * 1000);
    }
}
