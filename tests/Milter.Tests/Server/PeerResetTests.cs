using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>The metrics are process-wide: these tests run alone so that every connection counted is theirs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExactMetrics
{
    public const string Name = "Exact metrics";
}

[Collection(ExactMetrics.Name)]
public class PeerResetTests
{
    [Fact]
    public async Task A_thousand_resets_leave_the_open_connection_count_at_zero_and_log_no_error()
    {
        long open = 0, accepted = 0;
        using var meter = new MeterListener();
        meter.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MilterMetrics.MeterName && instrument.Name is "milter.connection.active" or "milter.connection.accepted")
                l.EnableMeasurementEvents(instrument);
        };
        meter.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "milter.connection.accepted")
                Interlocked.Add(ref accepted, value);
            else
                Interlocked.Add(ref open, value);
        });
        meter.Start();
        var log = new ListLogger();
        var handler = new StallingHandler { EndOfMessage = async (_, ct) => { await Task.Delay(50, ct); return MilterVerdict.Accept; } };
        await using var server = await TestServer.StartAsync(handler.Factory(), _ => { }, log);

        // Resets at every point: before a byte, after OPTNEG, in the middle of a frame, while a handler runs.
        var negotiate = Bytes(FakeMta.FullOffer.WriteTo);
        var connect = Bytes(w => MtaCommandWriter.WriteConnect(w, "client", ConnectionFamily.IPv4, 1, "192.0.2.1"));
        var mail = Bytes(w => MtaCommandWriter.WriteMail(w, "<a@b.example>"));
        var endOfMessage = Bytes(w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfBody));
        byte[][] variants = [[], negotiate, [.. negotiate, .. connect.AsSpan(0, 7)], [.. negotiate, .. connect, .. mail, .. endOfMessage]];
        for (var batch = 0; batch < 20; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.Addresses[0].EndPoint);
                if (variants[i % 4].Length > 0)
                    await socket.SendAsync(variants[i % 4]);
                await Task.Delay(i % 4 == 3 ? 20 : 1);
                socket.LingerState = new LingerOption(true, 0); // close with RST
            }));
        }

        Assert.True(await TestServer.EventuallyAsync(() => server.ConnectionCount == 0 && Interlocked.Read(ref open) == 0, 30),
            $"{server.ConnectionCount} connections, milter.connections.open {Interlocked.Read(ref open)}");
        Assert.Equal(1000, Interlocked.Read(ref accepted));
        var entries = log.Entries;
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Error || e.Exception is not null);
        Assert.Equal(1000, entries.Count(e => e.Message.Contains(" closed after ", StringComparison.Ordinal)));
    }

    private static byte[] Bytes(Action<System.Buffers.IBufferWriter<byte>> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
