using System.Buffers;
using Milter.Protocol;
using Milter.Server;

namespace Milter.Tests.Server;

public sealed class BodyPayloadDropperTests
{
    /// <summary>A conversation's worth of frames: body chunks of several sizes between frames that must stay whole.</summary>
    private static byte[] Stream()
    {
        var writer = new ArrayBufferWriter<byte>();
        MtaCommandWriter.WriteMacros(writer, (byte)'L', [KeyValuePair.Create("i", "4XyZ")]);
        MtaCommandWriter.WriteHeader(writer, "Subject", "dropped around");
        MtaCommandWriter.WriteSimple(writer, MilterCommandCode.EndOfHeaders);
        var body = new byte[70_000];
        new Random(7).NextBytes(body);
        MtaCommandWriter.WriteBody(writer, body);             // 65535 + 4465
        MtaCommandWriter.WriteBody(writer, body.AsSpan(0, 1)); // one byte
        MtaCommandWriter.WriteMacros(writer, (byte)'E', [KeyValuePair.Create("i", "4XyZ")]);
        MtaCommandWriter.WriteSimple(writer, MilterCommandCode.EndOfBody);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>What the session must see: the same frames, every BODY frame its header alone.</summary>
    private static byte[] WithoutBodyPayloads(byte[] stream)
    {
        var kept = new List<byte>();
        var reader = new MilterFrameReader(FrameSource.Mta);
        var rest = new ReadOnlySequence<byte>(stream);
        while (reader.TryRead(rest, out var frame, out var consumed))
        {
            var length = frame.CommandCode == MilterCommandCode.Body ? MilterFrameReader.HeaderLength : MilterFrameReader.HeaderLength + frame.Payload.Length;
            kept.AddRange(rest.Slice(0, length).ToArray());
            rest = rest.Slice(consumed);
        }

        return [.. kept];
    }

    /// <summary>Feeds the stream as the receive loop meets it: receives of the given sizes, discards where the dropper asks.</summary>
    private static byte[] Receive(byte[] stream, Func<int> nextSize)
    {
        var dropper = new BodyPayloadDropper(MilterFrameReader.DefaultMaxPayloadLength);
        var kept = new List<byte>();
        var at = 0;
        while (at < stream.Length)
        {
            var size = Math.Min(nextSize(), stream.Length - at);
            if (dropper.PayloadToDiscard > 0)
            {
                var discarded = (int)Math.Min(size, dropper.PayloadToDiscard);
                dropper.Discarded(discarded);
                at += discarded;
                continue;
            }

            var buffer = stream.AsSpan(at, size).ToArray();
            kept.AddRange(buffer.AsSpan(0, dropper.Filter(buffer, receivedAt: 0)).ToArray());
            at += size;
        }

        Assert.Equal(0, dropper.PayloadToDiscard);
        return [.. kept];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(16384)]
    [InlineData(65536)]
    [InlineData(1 << 20)]
    public void Every_body_payload_goes_and_every_other_byte_stays_whatever_the_receive_sizes(int size)
    {
        var stream = Stream();

        Assert.Equal(WithoutBodyPayloads(stream), Receive(stream, () => size));
    }

    [Fact]
    public void Random_receive_sizes_split_headers_and_payloads_anywhere()
    {
        var stream = Stream();
        var expected = WithoutBodyPayloads(stream);
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            Assert.Equal(expected, Receive(stream, () => random.Next(1, 9000)));
        }
    }

    [Fact]
    public void The_frames_that_stay_read_back_with_the_body_lengths_announced()
    {
        var kept = Receive(Stream(), () => 1000);
        var reader = new MilterFrameReader(FrameSource.Mta) { BodyPayloadsRemoved = true };
        var rest = new ReadOnlySequence<byte>(kept);
        var seen = new List<string>();
        while (reader.TryRead(rest, out var frame, out var consumed))
        {
            seen.Add($"{(char)frame.Command}{frame.PayloadLength}");
            rest = rest.Slice(consumed);
        }

        Assert.True(rest.IsEmpty);
        Assert.Equal(["D8", "L23", "N0", "B65535", "B4465", "B1", "D8", "E0"], seen);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(MilterFrameReader.DefaultMaxPayloadLength + 2u)]
    public void After_a_header_the_session_refuses_every_byte_goes_through_for_the_session_to_report(uint length)
    {
        var bad = new byte[] { (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, (byte)'B', 1, 2, 3 };
        var writer = new ArrayBufferWriter<byte>();
        MtaCommandWriter.WriteBody(writer, new byte[100]);
        byte[] stream = [.. bad, .. writer.WrittenSpan];

        Assert.Equal(stream, Receive(stream, () => 3));
    }
}
