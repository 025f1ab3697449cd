using System.Buffers;
using BenchmarkDotNet.Attributes;
using Milter.Protocol;

namespace Milter.Benchmarks;

/// <summary>The codec's per-packet costs: framing plus typed parsing, and writing the common responses.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly MilterFrameReader _reader = new(FrameSource.Mta);
    private readonly ArrayBufferWriter<byte> _output = new(70_000);
    private readonly SmtpReply _reply = SmtpReply.Create(550, "5.7.1", "Rejected by policy: 100% sure", "See https://example.org/policy");
    private ReadOnlySequence<byte> _header;
    private ReadOnlySequence<byte> _body;
    private ReadOnlySequence<byte> _connect;

    [GlobalSetup]
    public void Setup()
    {
        _header = Packet(w => MtaCommandWriter.WriteHeader(w, "Subject", "Quarterly report for the board, second draft"));
        _body = Packet(w => MtaCommandWriter.WriteBody(w, new byte[65535]));
        _connect = Packet(w => MtaCommandWriter.WriteConnect(w, "mail.example.com", ConnectionFamily.IPv4, 54321, "198.51.100.7"));
    }

    [Benchmark(Description = "parse HEADER (spans)")]
    public int ParseHeader()
    {
        _reader.TryRead(_header, out var frame, out _);
        var header = HeaderCommand.Parse(frame.Payload);
        return header.Name.Length + header.Value.Length;
    }

    [Benchmark(Description = "parse HEADER + strings")]
    public int ParseHeaderStrings()
    {
        _reader.TryRead(_header, out var frame, out _);
        var header = HeaderCommand.Parse(frame.Payload);
        return header.GetName().Length + header.GetValue().Length;
    }

    [Benchmark(Description = "parse 64 KiB BODY")]
    public int ParseBody()
    {
        _reader.TryRead(_body, out var frame, out _);
        return frame.Payload.Length;
    }

    [Benchmark(Description = "parse CONNECT")]
    public int ParseConnect()
    {
        _reader.TryRead(_connect, out var frame, out _);
        var connect = ConnectCommand.Parse(frame.Payload);
        return connect.Port + connect.Address.Length + connect.HostName.Length;
    }

    [Benchmark(Description = "write ADDHEADER")]
    public int WriteAddHeader()
    {
        _output.ResetWrittenCount();
        MilterResponseWriter.WriteAddHeader(_output, "X-Spam-Status", "No, score=-0.1 required=5.0");
        return _output.WrittenCount;
    }

    [Benchmark(Description = "write REPLYCODE")]
    public int WriteReplyCode()
    {
        _output.ResetWrittenCount();
        MilterResponseWriter.WriteReplyCode(_output, _reply);
        return _output.WrittenCount;
    }

    private static ReadOnlySequence<byte> Packet(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return new ReadOnlySequence<byte>(buffer.WrittenMemory.ToArray());
    }
}
