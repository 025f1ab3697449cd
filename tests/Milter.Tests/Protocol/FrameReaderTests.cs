using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Protocol;

public class FrameReaderTests
{
    private static readonly byte[] OptNeg = Hex.Bytes("0000000d 4f 00000006 000001ff 001fffff");

    [Fact]
    public void Reads_the_length_the_command_byte_and_the_payload()
    {
        var reader = new MilterFrameReader(FrameSource.Mta);
        var buffer = new ReadOnlySequence<byte>(OptNeg);

        Assert.True(reader.TryRead(buffer, out var frame, out var consumed));

        Assert.Equal(MilterCommandCode.OptionNegotiation, frame.CommandCode);
        Assert.Equal("00000006000001ff001fffff", Hex.Of(frame.Payload.Span));
        Assert.Equal(buffer.End, consumed);
    }

    [Fact]
    public void Reads_a_frame_split_at_every_position_across_segments()
    {
        var stream = OptNeg.Concat(Hex.Bytes("00000001 41")).ToArray();
        foreach (var buffer in Segments.AllSplits(stream))
        {
            var reader = new MilterFrameReader(FrameSource.Mta);
            Assert.True(reader.TryRead(buffer, out var first, out var consumed));
            Assert.Equal("00000006000001ff001fffff", Hex.Of(first.Payload.Span));
            var rest = buffer.Slice(consumed);
            Assert.True(reader.TryRead(rest, out var second, out consumed));
            Assert.Equal(MilterCommandCode.Abort, second.CommandCode);
            Assert.True(second.Payload.IsEmpty);
            Assert.Equal(0, rest.Slice(consumed).Length);
        }
    }

    [Fact]
    public void Asks_for_more_bytes_until_the_frame_is_whole()
    {
        var reader = new MilterFrameReader(FrameSource.Mta);
        for (var length = 0; length < OptNeg.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(OptNeg, 0, length);
            Assert.False(reader.TryRead(buffer, out _, out var consumed));
            Assert.Equal(buffer.Start, consumed);
        }
    }

    [Fact]
    public void A_length_of_zero_is_an_error()
    {
        var reader = new MilterFrameReader(FrameSource.Mta);
        var error = Assert.Throws<MilterProtocolException>(() => reader.TryRead(new ReadOnlySequence<byte>(Hex.Bytes("00000000 41")), out _, out _));
        Assert.Equal(MilterProtocolError.ZeroLength, error.Error);
        Assert.Contains("length is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_length_over_the_limit_is_refused_from_the_header_alone()
    {
        var reader = new MilterFrameReader(FrameSource.Mta, maxPayloadLength: 1000);
        // Only the five header bytes: the reader must not wait for (or buffer) the 2 GB it announces.
        var error = Assert.Throws<MilterProtocolException>(() => reader.TryRead(new ReadOnlySequence<byte>(Hex.Bytes("7fffffff 42")), out _, out _));
        Assert.Equal(MilterProtocolError.FrameTooLarge, error.Error);
        Assert.Contains("2147483646 bytes; the limit is 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_limit_is_one_mebibyte()
    {
        var reader = new MilterFrameReader(FrameSource.Mta);
        Assert.False(reader.TryRead(new ReadOnlySequence<byte>(Hex.Bytes("00100001 42")), out _, out _));
        Assert.Throws<MilterProtocolException>(() => reader.TryRead(new ReadOnlySequence<byte>(Hex.Bytes("00100002 42")), out _, out _));
    }

    [Fact]
    public void An_unknown_command_byte_is_an_error()
    {
        var reader = new MilterFrameReader(FrameSource.Mta);
        var error = Assert.Throws<MilterProtocolException>(() => reader.TryRead(new ReadOnlySequence<byte>(Hex.Bytes("00000001 5a")), out _, out _));
        Assert.Equal(MilterProtocolError.UnknownCommand, error.Error);
        Assert.Contains("'Z' (0x5A)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_response_byte_is_unknown_as_a_command_and_the_reverse()
    {
        var fromMta = new MilterFrameReader(FrameSource.Mta);
        var fromMilter = new MilterFrameReader(FrameSource.Milter);
        var accept = new ReadOnlySequence<byte>(Hex.Bytes("00000001 61"));
        var abort = new ReadOnlySequence<byte>(Hex.Bytes("00000001 41"));

        Assert.Throws<MilterProtocolException>(() => fromMta.TryRead(accept, out _, out _));
        Assert.True(fromMilter.TryRead(accept, out _, out _));
        Assert.Throws<MilterProtocolException>(() => fromMilter.TryRead(abort, out _, out _));
    }

    [Fact]
    public void A_connection_closed_in_the_middle_of_a_frame_is_a_truncated_frame()
    {
        var partial = new ReadOnlySequence<byte>(OptNeg, 0, 9);
        var error = Assert.Throws<MilterProtocolException>(() => MilterFrameReader.ThrowIfIncomplete(partial));
        Assert.Equal(MilterProtocolError.TruncatedFrame, error.Error);
        Assert.Contains("9 bytes received of 17", error.Message, StringComparison.Ordinal);
        MilterFrameReader.ThrowIfIncomplete(ReadOnlySequence<byte>.Empty);
    }

    [Fact]
    public void A_payload_across_segments_is_made_contiguous()
    {
        var body = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var packet = Hex.Bytes("0000012d 42").Concat(body).ToArray();
        var reader = new MilterFrameReader(FrameSource.Mta);

        Assert.True(reader.TryRead(Segments.Split(packet, 7, 100, 200), out var frame, out _));

        Assert.Equal(body, frame.Payload.ToArray());
    }

    [Fact]
    public void A_reader_for_a_milter_without_a_body_step_leaves_a_split_body_payload_unread_but_keeps_its_length()
    {
        var body = new byte[40_000];
        var bytes = new byte[5 + body.Length + 6];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)body.Length + 1);
        bytes[4] = (byte)MilterCommandCode.Body;
        // A DATA frame after it is read as usual.
        new byte[] { 0, 0, 0, 1, (byte)MilterCommandCode.Data }.CopyTo(bytes, 5 + body.Length);
        var reader = new MilterFrameReader(FrameSource.Mta) { SkipsBodyPayload = true };
        var buffer = Segments.Split(bytes, 16_384, 32_768);

        Assert.True(reader.TryRead(buffer, out var frame, out var consumed));
        Assert.Equal(MilterCommandCode.Body, frame.CommandCode);
        Assert.True(frame.Payload.IsEmpty);
        Assert.Equal(body.Length, frame.PayloadLength);
        Assert.True(reader.TryRead(buffer.Slice(consumed), out var next, out _));
        Assert.Equal(MilterCommandCode.Data, next.CommandCode);
    }
}
