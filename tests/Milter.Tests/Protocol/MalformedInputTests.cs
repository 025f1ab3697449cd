using CsCheck;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Protocol;

/// <summary>Bad input gives a <see cref="MilterProtocolException"/> that names the problem: never a crash, never a hang.</summary>
public class MalformedInputTests
{
    [Fact]
    public void ReplaceBody_over_the_protocol_limit_is_refused_by_the_MTA_side()
    {
        var frame = new MilterFrame((byte)MilterResponseCode.ReplaceBody, new byte[70_000]);
        var error = Assert.Throws<MilterProtocolException>(() => MilterResponse.Parse(frame));
        Assert.Equal(MilterProtocolError.FrameTooLarge, error.Error);
        Assert.Contains("carries 70000 bytes; the protocol allows at most 65535", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_on_a_response_that_has_none_is_refused()
    {
        var error = Assert.Throws<MilterProtocolException>(() => MilterResponse.Parse(new MilterFrame((byte)'c', new byte[] { 0 })));
        Assert.Contains("must have no payload", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('h', "", "header name is missing")]
    [InlineData('h', "X-A\0", "header value is missing")]
    [InlineData('i', "\0\0", "index needs 4 bytes")]
    [InlineData('m', "\0\0\0\u0001Subject", "header name is not NUL-terminated")]
    [InlineData('+', "<a@b>", "recipient is not NUL-terminated")]
    [InlineData('e', "<a@b>\0X=1\0extra\0", "unexpected bytes after the last field")]
    [InlineData('y', "hello\0", "must start with a 3-digit code")]
    [InlineData('O', "\0\0\0\u0006", "it needs at least 12")]
    public void A_malformed_response_names_the_field(char code, string payload, string expected)
    {
        var error = Assert.Throws<MilterProtocolException>(() =>
            MilterResponse.Parse(new MilterFrame((byte)code, System.Text.Encoding.Latin1.GetBytes(payload))));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_never_crash_a_command_parser() =>
        Gen.Byte.Array[0, 64].Sample(payload =>
        {
            Expect(() => OptionNegotiation.Parse(payload));
            Expect(() => ConnectCommand.Parse(payload));
            Expect(() => MacroCommand.Parse(payload));
            Expect(() => HeaderCommand.Parse(payload));
            Expect(() => EnvelopeCommand.Parse(payload));
            Expect(() => TextCommand.Parse(payload, MilterCommandCode.Helo));
            foreach (var code in "+-24abcdefhimpqrsty")
                Expect(() => MilterResponse.Parse(new MilterFrame((byte)code, payload)));
        });

    [Fact]
    public void Random_streams_never_crash_or_hang_the_frame_reader() =>
        Gen.Select(Gen.Byte.Array[0, 100], Gen.Int[0, 100]).Sample((stream, cut) =>
        {
            var reader = new MilterFrameReader(FrameSource.Mta, maxPayloadLength: 50);
            var buffer = Segments.Split(stream, cut);
            Expect(() =>
            {
                // Every successful read consumes at least 5 bytes, so this loop ends.
                while (reader.TryRead(buffer, out _, out var consumed))
                    buffer = buffer.Slice(consumed);
                MilterFrameReader.ThrowIfIncomplete(buffer);
            });
        });

    private static void Expect(Action parse)
    {
        try
        {
            parse();
        }
        catch (MilterProtocolException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }
}
