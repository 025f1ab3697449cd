using System.Buffers;
using Milter.Cli;
using Milter.Protocol;

namespace Milter.Testing.Tests;

/// <summary>The recorder cuts a byte stream into whole packets however it arrives, and stops cutting at bytes that are not milter packets.</summary>
public sealed class PacketSplitterTests
{
    private static byte[][] Packets()
    {
        var packets = new List<byte[]>();
        foreach (var write in new Action<IBufferWriter<byte>>[]
        {
            w => new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All).WriteTo(w),
            w => MtaCommandWriter.WriteHeader(w, "Subject", "hello"),
            w => MtaCommandWriter.WriteBody(w, new byte[65535]),
            w => MtaCommandWriter.WriteSimple(w, MilterCommandCode.EndOfBody),
        })
        {
            var buffer = new ArrayBufferWriter<byte>();
            write(buffer);
            packets.Add(buffer.WrittenSpan.ToArray());
        }

        return [.. packets];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    [InlineData(100_000)]
    public void Packets_come_out_whole_whatever_the_reads(int readSize)
    {
        var packets = Packets();
        byte[] stream = [.. packets.SelectMany(p => p)];
        var splitter = new PacketSplitter();
        var cut = new List<byte[]>();

        for (var start = 0; start < stream.Length; start += readSize)
            cut.AddRange(splitter.Add(stream.AsSpan(start, Math.Min(readSize, stream.Length - start))));

        Assert.Equal(packets, cut);
        Assert.Equal(0, splitter.Pending);
    }

    [Fact]
    public void Bytes_that_are_not_milter_packets_stop_the_cutting()
    {
        var splitter = new PacketSplitter();

        var error = Assert.Throws<InvalidDataException>(() => splitter.Add("HTTP/1.1 200 OK\r\n"u8));

        Assert.Equal("17 bytes that are not a milter packet (a length field of 1213486160), starting 485454502f312e3120323030204f4b0d", error.Message);
        Assert.True(splitter.Broken);
        Assert.Empty(splitter.Add(Packets()[0]));
    }
}
