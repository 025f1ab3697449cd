using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Protocol;

public class MtaCommandWritingTests
{
    [Fact]
    public void Connect_as_in_the_protocol_document() =>
        Assert.Equal("00000022436d61696c2e6578616d706c652e636f6d0034d4313139382e35312e3130302e3700",
            Hex.Written(w => MtaCommandWriter.WriteConnect(w, "mail.example.com", ConnectionFamily.IPv4, 54321, "198.51.100.7")));

    [Fact]
    public void Connect_with_unknown_family_stops_after_the_family_byte() =>
        Assert.Equal(Hex.Packet('C', "localhost\0U"u8),
            Hex.Written(w => MtaCommandWriter.WriteConnect(w, "localhost", ConnectionFamily.Unknown, 0, null)));

    [Fact]
    public void Macros_as_in_the_protocol_document() =>
        Assert.Equal("0000002c44436a006d782e6578616d706c652e6e6574007b6461656d6f6e5f616464727d003139322e302e322e323500",
            Hex.Written(w => MtaCommandWriter.WriteMacros(w, (byte)'C', [new("j", "mx.example.net"), new("{daemon_addr}", "192.0.2.25")])));

    [Fact]
    public void An_empty_macro_packet_as_Postfix_sends_it() =>
        Assert.Equal("000000024448", Hex.Written(w => MtaCommandWriter.WriteMacros(w, (byte)'H', [])));

    [Fact]
    public void Envelope_header_and_text_commands()
    {
        Assert.Equal("0000002d4d" + Hex.Of("<sender@origin.test>\0SIZE=512\0BODY=8BITMIME\0"u8),
            Hex.Written(w => MtaCommandWriter.WriteMail(w, "<sender@origin.test>", ["SIZE=512", "BODY=8BITMIME"])));
        Assert.Equal(Hex.Packet('R', "<rcpt1@dest.test>\0"u8),
            Hex.Written(w => MtaCommandWriter.WriteRcpt(w, "<rcpt1@dest.test>")));
        Assert.Equal(Hex.Packet('L', "Subject\0hi\0"u8), Hex.Written(w => MtaCommandWriter.WriteHeader(w, "Subject", "hi")));
        Assert.Equal(Hex.Packet('H', "client.harness.test\0"u8), Hex.Written(w => MtaCommandWriter.WriteHelo(w, "client.harness.test")));
        Assert.Equal(Hex.Packet('U', "XHARNESS\0"u8), Hex.Written(w => MtaCommandWriter.WriteUnknown(w, "XHARNESS")));
    }

    [Theory]
    [InlineData(MilterCommandCode.Abort, "0000000141")]
    [InlineData(MilterCommandCode.EndOfHeaders, "000000014e")]
    [InlineData(MilterCommandCode.Data, "0000000154")]
    [InlineData(MilterCommandCode.EndOfBody, "0000000145")]
    [InlineData(MilterCommandCode.Quit, "0000000151")]
    [InlineData(MilterCommandCode.QuitNewConnection, "000000014b")]
    public void Commands_without_payload(MilterCommandCode command, string expected) =>
        Assert.Equal(expected, Hex.Written(w => MtaCommandWriter.WriteSimple(w, command)));

    [Fact]
    public void Body_is_cut_at_65535_bytes_like_both_MTAs_do()
    {
        var body = new byte[80_000];
        var buffer = new ArrayBufferWriter<byte>();
        MtaCommandWriter.WriteBody(buffer, body);
        Assert.Equal(80_000 + (2 * 5), buffer.WrittenCount);
        Assert.Equal("0001000042", Hex.Of(buffer.WrittenSpan[..5]));
        Assert.Equal("0000388242", Hex.Of(buffer.WrittenSpan.Slice(65540, 5)));
        Assert.Equal("", Hex.Written(w => MtaCommandWriter.WriteBody(w, [])));
    }
}
