using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>
/// A body chunk sent to a milter that reads no body is dropped as it arrives, and still has the whole-frame deadline of
/// every frame: all of it within <see cref="MilterSessionOptions.ReadTimeout"/> from its first byte, the idle limit not
/// applying while it comes.
/// </summary>
public sealed class DroppedBodyDeadlineTests
{
    /// <summary>An MTA that can neither switch the body off nor skip it.</summary>
    private static readonly OptionNegotiation StreamingOffer = new(6, ActionFlags.All, ProtocolFlags.All & ~(ProtocolFlags.NoBody | ProtocolFlags.Skip));

    private sealed class EndOnly : MilterHandler
    {
        public string? QueueIdAtEnd { get; private set; }

        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            QueueIdAtEnd = message.QueueId;
            return new(MilterVerdict.Accept);
        }
    }

    private static async Task<MilterServer> StartAsync(EndOnly handler, bool unixSocket, Action<MilterServerOptions> configure, ListLogger log,
        bool dotnetEngine = false)
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription { Steps = MilterSteps.EndOfMessage }, () => handler);
        return await TestServer.StartAsync(factory, o =>
        {
            o.EpollLoops = !dotnetEngine;
            if (unixSocket)
                o.Listen.Add($"unix:{Path.Combine(Path.GetTempPath(), $"milter-deadline-{Guid.NewGuid():N}.sock")}");
            configure(o);
        }, log);
    }

    /// <summary>The 5-byte header of a BODY frame whose payload is <paramref name="length"/> bytes, and that payload.</summary>
    private static (byte[] Header, byte[] Payload) BodyFrame(int length)
    {
        var frame = RawPeer.Frame(w => MtaCommandWriter.WriteBody(w, new byte[length]));
        return (frame[..MilterFrameReader.HeaderLength], frame[MilterFrameReader.HeaderLength..]);
    }

    [Theory]
    [InlineData(false, "dripped", false)]
    [InlineData(true, "dripped", false)]
    [InlineData(false, "stalled", false)]
    [InlineData(true, "stalled", false)]
    [InlineData(false, "dripped", true)] // through .NET's socket engine
    [InlineData(true, "stalled", true)]
    public async Task A_body_chunk_that_does_not_arrive_whole_within_the_read_timeout_closes_the_connection(bool unixSocket, string how, bool dotnetEngine)
    {
        var log = new ListLogger();
        await using var server = await StartAsync(new EndOnly(), unixSocket, o => o.ReadTimeout = TimeSpan.FromSeconds(1), log, dotnetEngine);
        using var socket = await RawPeer.ConnectAsync(server.Addresses[0].EndPoint);
        await socket.SendAsync(RawPeer.Frame(StreamingOffer.WriteTo));

        // 60,000 bytes announced: a byte every 100 ms would take 100 minutes, well inside the 2-hour idle limit.
        var (header, payload) = BodyFrame(60_000);
        var started = Stopwatch.GetTimestamp();
        TimeSpan took;
        if (how == "dripped")
        {
            await socket.SendAsync(header);
            took = await RawPeer.DripUntilClosedAsync(socket, payload, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20));
        }
        else
        {
            await socket.SendAsync(header.Concat(payload.Take(100)).ToArray());
            Assert.True(await RawPeer.ClosedAsync(socket, TimeSpan.FromSeconds(20)), "still open after 20 s");
            took = Stopwatch.GetElapsedTime(started);
        }

        Assert.InRange(took, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(8));
        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0));
        var closing = Assert.Single(log.Entries, e => e.Message.Contains("closing", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, closing.Level);
        Assert.Contains("a body chunk of 60000 bytes took longer than 00:00:01 to arrive (the milter reads no body", closing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)] // through .NET's socket engine
    public async Task A_body_chunk_dripped_slowly_but_whole_within_the_read_timeout_counts_as_activity_and_is_not_closed(bool unixSocket, bool dotnetEngine)
    {
        var log = new ListLogger();
        var handler = new EndOnly();
        // The chunk takes about 2 s: four times the idle limit, within the read timeout.
        await using var server = await StartAsync(handler, unixSocket, o =>
        {
            o.ReadTimeout = TimeSpan.FromSeconds(6);
            o.IdleTimeout = TimeSpan.FromSeconds(0.5);
        }, log, dotnetEngine);
        await using var mta = await FakeMta.ConnectAsync(server.Addresses[0].EndPoint);
        await mta.NegotiateAsync(StreamingOffer);

        var (header, payload) = BodyFrame(2_000);
        await mta.SendAsync(w => w.Write(header));
        foreach (var piece in payload.Chunk(100))
        {
            await Task.Delay(100);
            await mta.SendAsync(w => w.Write(piece));
        }

        await mta.SendAsync(w => MtaCommandWriter.WriteMacros(w, (byte)'E', [KeyValuePair.Create("i", "4Steady")]));
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());
        Assert.Equal("4Steady", handler.QueueIdAtEnd);
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("closing", StringComparison.Ordinal));

        // Once the frame is whole the idle limit is back: a silent MTA is closed after it.
        Assert.Null(await mta.TryReadAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0));
        Assert.Contains(log.Entries, e => e.Message.Contains("closing after 00:00:00.5000000 without data from the MTA", StringComparison.Ordinal));
    }
}
