using System.Buffers;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>What the server's receive loop reads, and when it stops reading: body payloads nobody reads, and an MTA that streams while a handler runs.</summary>
public sealed class ReceiveFlowTests
{
    /// <summary>An MTA that can neither switch the body off nor skip it: it streams the body without waiting.</summary>
    private static readonly OptionNegotiation StreamingOffer = new(6, ActionFlags.All, ProtocolFlags.All & ~(ProtocolFlags.NoBody | ProtocolFlags.Skip));

    private sealed class Handler : MilterHandler
    {
        public TaskCompletionSource HeaderGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource HeaderStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long BodyBytes;

        public string? QueueIdAtEnd { get; private set; }

        public override async ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
        {
            HeaderStarted.TrySetResult();
            await HeaderGate.Task.WaitAsync(cancellationToken);
            return MilterVerdict.Continue;
        }

        public override ValueTask<MilterVerdict> OnBodyChunkAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            BodyBytes += chunk.Length;
            return Continue;
        }

        public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            QueueIdAtEnd = message.QueueId;
            return new(MilterVerdict.Accept);
        }
    }

    private static byte[] Frames(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static async Task<long> MostBufferedWhileAsync(MilterServer server, Task work)
    {
        long most = 0;
        while (!work.IsCompleted)
        {
            most = Math.Max(most, server.BufferedBytes);
            await Task.Delay(1);
        }

        await work;
        return most;
    }

    /// <summary>A server for a milter that reads only the end of message, and an MTA on it that streams the body.</summary>
    private static async Task<(MilterServer Server, FakeMta Mta)> StartWithoutBodyAsync(Handler handler, ListLogger? log = null, string? listen = null,
        bool dotnetEngine = false)
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription { Steps = MilterSteps.EndOfMessage }, () => handler);
        var server = await TestServer.StartAsync(factory, o =>
        {
            if (listen is not null)
                o.Listen.Add(listen);
            o.EpollLoops = !dotnetEngine;
        }, log);
        var mta = await FakeMta.ConnectAsync(server.Addresses[0].EndPoint);
        var negotiated = await mta.NegotiateAsync(StreamingOffer);
        Assert.Equal(ProtocolFlags.NoReplyBody, negotiated.Protocol & (ProtocolFlags.NoReplyBody | ProtocolFlags.Skip));
        return (server, mta);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)] // over a Unix socket the kernel copies what MSG_TRUNC discards: into a scratch buffer nobody reads
    [InlineData(false, true)] // through .NET's socket engine, as on systems without our readiness loops
    [InlineData(true, true)]
    public async Task A_body_the_milter_does_not_read_is_dropped_as_it_streams_and_the_frames_after_it_arrive_whole(bool unixSocket, bool dotnetEngine)
    {
        var handler = new Handler();
        var path = Path.Combine(Path.GetTempPath(), $"milter-drop-{Guid.NewGuid():N}.sock");
        var (server, mta) = await StartWithoutBodyAsync(handler, listen: unixSocket ? $"unix:{path}" : null, dotnetEngine: dotnetEngine);
        await using var _ = server;
        await using var __ = mta;

        // 4 MiB of body in 64 chunks, then the end of message with its macros, all in one stream.
        var message = Frames(w =>
        {
            MtaCommandWriter.WriteBody(w, new byte[64 * 65535]);
            MtaCommandWriter.WriteMacros(w, (byte)'E', [KeyValuePair.Create("i", "4Dropped")]);
            MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfBody);
        });
        var most = await MostBufferedWhileAsync(server, mta.SendAsync(w => w.Write(message)));

        Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());
        Assert.Equal("4Dropped", handler.QueueIdAtEnd);
        Assert.InRange(most, 0, 2 * BufferBudget.StreamingBlockSize);
    }

    [Theory]
    // The MTA leaves 1,000 bytes into a 65,535-byte chunk: the loop was discarding the rest when the connection ended.
    [InlineData("truncated", "in the middle of a frame: 64535 bytes of a 65535-byte body chunk never came")]
    // A header announcing 16 MiB: refused as any frame would be, not 16 MiB discarded.
    [InlineData("oversized", "FrameTooLarge")]
    public async Task A_bad_body_chunk_for_a_milter_that_reads_none_ends_the_connection_with_the_session_s_error(string kind, string logged)
    {
        var log = new ListLogger();
        var (server, mta) = await StartWithoutBodyAsync(new Handler(), log);
        await using var _ = server;

        byte[] bytes = kind == "truncated" ? Frames(w => MtaCommandWriter.WriteBody(w, new byte[65535]))[..1005] : [0x01, 0x00, 0x00, 0x01, (byte)'B', 1, 2, 3];
        await mta.SendAsync(w => w.Write(bytes));
        await mta.CloseAsync();

        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0));
        Assert.Contains(log.Entries, e => e.Message.Contains(logged, StringComparison.Ordinal));
        await mta.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // through .NET's socket engine
    public async Task While_a_handler_runs_a_streaming_MTA_fills_no_more_than_the_read_ahead(bool dotnetEngine)
    {
        var handler = new Handler();
        var description = new MilterDescription
        {
            Steps = MilterSteps.Header | MilterSteps.Body | MilterSteps.EndOfMessage,
            NoReplySteps = MilterSteps.Header | MilterSteps.Body,
        };
        await using var server = await TestServer.StartAsync(MilterHandlerFactory.Create(description, () => handler), o => o.EpollLoops = !dotnetEngine);
        await using var mta = await FakeMta.ConnectAsync(server.Addresses[0].EndPoint);
        await mta.NegotiateAsync(StreamingOffer);

        // The header's handler waits; behind it the MTA streams 2 MiB of body, waiting for nothing (the kernel takes it all).
        const int BodyLength = 32 * 65535;
        var message = Frames(w =>
        {
            MtaCommandWriter.WriteHeader(w, "Subject", "slow to judge");
            MtaCommandWriter.WriteBody(w, new byte[BodyLength]);
            MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfBody);
        });
        var sending = mta.SendAsync(w => w.Write(message));
        await handler.HeaderStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(300);
        var heldDuringCall = server.BufferedBytes;

        handler.HeaderGate.SetResult();
        await sending;
        Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());
        Assert.Equal(BodyLength, handler.BodyBytes);
        // What was there when the call began (one receive), the read-ahead, and the receive that crossed it.
        Assert.InRange(heldDuringCall, 1, SocketConnection.ReadAheadDuringCall + 2 * BufferBudget.StreamingBlockSize);
    }
}
