using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Milter.Protocol;
using Milter.Server;

namespace Milter.Benchmarks;

/// <summary>
/// What one message costs the milter, over the real server and a loopback socket: a filter that reads one header and
/// adds one, behind an MTA that behaves as Postfix does (steps the milter negotiated away are not sent, the headers
/// wait for no reply). The MTA side sends pre-encoded bytes, so what is allocated is the milter's.
/// <see cref="Listened"/> adds an activity listener that records every message and a meter listener on every instrument,
/// as OpenTelemetry would: the cost of tracing and metrics when someone listens, against nobody.
/// </summary>
[MemoryDiagnoser]
public class SessionBenchmarks
{
    private readonly byte[] _receive = new byte[4096];
    private MilterServer _server = null!;
    private IPEndPoint _endPoint = null!;
    private Socket _open = null!;
    private byte[] _negotiate = [];
    private byte[] _message = [];
    private byte[] _quit = [];
    private ActivityListener? _activities;
    private MeterListener? _meters;

    /// <summary>Whether traces and metrics are listened to.</summary>
    [Params(false, true)]
    public bool Listened { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (Listened)
            Listen();
        _server = new MilterServer(MilterHandlerFactory.Create(OneHeaderFilter.Description, () => new OneHeaderFilter()),
            new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await _server.StartAsync();
        _endPoint = (IPEndPoint)_server.Addresses[0].EndPoint;
        _negotiate = Encode(w => new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All).WriteTo(w));
        _message = Encode(w =>
        {
            MtaCommandWriter.WriteHeader(w, "Received", "from client.example (client.example [192.0.2.1]) by mx.example (Postfix) with ESMTP id 4QAbcd; Sat, 28 Nov 2026 10:00:00 +0000");
            MtaCommandWriter.WriteHeader(w, "Subject", "Quarterly report for the board, second draft");
            MtaCommandWriter.WriteHeader(w, "From", "Alice <alice@example.org>");
            MtaCommandWriter.WriteMacros(w, (byte)MilterCommandCode.EndOfBody, [new("i", "4QAbcd")]);
            MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfBody);
        });
        _quit = Encode(w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.Quit));
        _open = await ConnectAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _open.Dispose();
        await _server.DisposeAsync();
        _activities?.Dispose();
        _meters?.Dispose();
    }

    private void Listen()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MilterTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MilterTelemetry.MeterName)
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        _meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        _meters.Start();
    }

    [Benchmark(Description = "one message on an open connection")]
    public Task MessageAsync() => SendMessageAsync(_open);

    [Benchmark(Description = "a connection with one message")]
    public async Task ConnectionAsync()
    {
        using var socket = await ConnectAsync();
        await SendMessageAsync(socket);
        await socket.SendAsync(_quit.AsMemory(), SocketFlags.None);
        // Wait for the milter to close, so connections do not pile up between operations.
        while (await socket.ReceiveAsync(_receive.AsMemory(), SocketFlags.None) > 0)
        {
        }
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(_endPoint);
        await socket.SendAsync(_negotiate.AsMemory(), SocketFlags.None);
        await ReadUntilAsync(socket, (byte)MilterResponseCode.OptionNegotiation);
        return socket;
    }

    private async Task SendMessageAsync(Socket socket)
    {
        await socket.SendAsync(_message.AsMemory(), SocketFlags.None);
        await ReadUntilAsync(socket, (byte)MilterResponseCode.Continue);
    }

    /// <summary>Reads replies until one with <paramref name="last"/> as its code (replies arrive whole on loopback, in one or more reads).</summary>
    private async Task ReadUntilAsync(Socket socket, byte last)
    {
        var held = 0;
        while (true)
        {
            held += await socket.ReceiveAsync(_receive.AsMemory(held), SocketFlags.None);
            var at = 0;
            while (held - at >= 5)
            {
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(_receive.AsSpan(at));
                if (held - at < 4 + length)
                    break;
                if (_receive[at + 4] == last)
                    return;
                at += 4 + length;
            }

            _receive.AsSpan(at, held - at).CopyTo(_receive);
            held -= at;
        }
    }

    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the Subject and says so in a header: one header read, one header added.</summary>
    private sealed class OneHeaderFilter : IMilterHandler
    {
        private string? _subject;

        public static MilterDescription Description { get; } = new()
        {
            Name = "one-header",
            Steps = MilterSteps.Header,
            NoReplySteps = MilterSteps.Header,
            Actions = ActionFlags.AddHeaders,
        };

        public ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, HeaderField header, CancellationToken cancellationToken)
        {
            if (header.NameIs("Subject"))
                _subject = header.Value;
            return new(MilterVerdict.Continue);
        }

        public ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            message.AddHeader("X-Subject-Seen", _subject is null ? "no" : "yes");
            _subject = null;
            return new(MilterVerdict.Continue);
        }
    }
}
