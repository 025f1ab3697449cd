using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Protocol;

public class ResponseWritingTests
{
    [Theory]
    [InlineData(MilterResponseCode.Continue, "0000000163")]
    [InlineData(MilterResponseCode.Accept, "0000000161")]
    [InlineData(MilterResponseCode.Reject, "0000000172")]
    [InlineData(MilterResponseCode.Tempfail, "0000000174")]
    [InlineData(MilterResponseCode.Discard, "0000000164")]
    [InlineData(MilterResponseCode.Skip, "0000000173")]
    [InlineData(MilterResponseCode.Progress, "0000000170")]
    [InlineData(MilterResponseCode.Shutdown, "0000000134")]
    [InlineData(MilterResponseCode.ConnectionFailure, "0000000166")]
    public void Responses_without_payload(MilterResponseCode code, string expected) =>
        Assert.Equal(expected, Hex.Written(w => MilterResponseWriter.WriteSimple(w, code)));

    [Fact]
    public void A_response_with_a_payload_cannot_be_written_as_simple() =>
        Assert.Throws<ArgumentException>(() => MilterResponseWriter.WriteSimple(new ArrayBufferWriter<byte>(), MilterResponseCode.AddHeader));

    [Fact]
    public void AddHeader() =>
        Assert.Equal("00000015" + "68" + Hex.Of("X-Harness\0libmilter\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteAddHeader(w, "X-Harness", "libmilter")));

    [Fact]
    public void InsertHeader_carries_a_big_endian_index()
    {
        Assert.Equal("0000000b" + "69" + "00000000" + Hex.Of("X-A\0v\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteInsertHeader(w, 0, "X-A", "v")));
        Assert.Equal("0000000b" + "69" + "01020304" + Hex.Of("X-A\0v\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteInsertHeader(w, 0x01020304, "X-A", "v")));
    }

    [Fact]
    public void ChangeHeader_with_an_empty_value_deletes()
    {
        Assert.Equal("0000000e" + "6d" + "00000001" + Hex.Of("Subject\0\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteChangeHeader(w, 1, "Subject", "")));
    }

    [Fact]
    public void Recipients_and_sender()
    {
        Assert.Equal(Hex.Packet('+', "<harness-added@example.net>\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteAddRecipient(w, "<harness-added@example.net>")));
        Assert.Equal(Hex.Packet('-', "<a@b>\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteDeleteRecipient(w, "<a@b>")));
        Assert.Equal(Hex.Packet('2', "<a@b>\0NOTIFY=NEVER\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteAddRecipientWithParameters(w, "<a@b>", "NOTIFY=NEVER")));
        Assert.Equal(Hex.Packet('2', "<a@b>\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteAddRecipientWithParameters(w, "<a@b>", null)));
        Assert.Equal(Hex.Packet('e', "<new@x.test>\0RET=HDRS ENVID=1\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteChangeSender(w, "<new@x.test>", "RET=HDRS ENVID=1")));
    }

    [Fact]
    public void Quarantine_needs_a_reason()
    {
        Assert.Equal("0000000a71" + Hex.Of("virus!!!\0"u8), // 9 payload bytes + the command byte
            Hex.Written(w => MilterResponseWriter.WriteQuarantine(w, "virus!!!")));
        Assert.Throws<ArgumentException>(() => MilterResponseWriter.WriteQuarantine(new ArrayBufferWriter<byte>(), ""));
    }

    [Fact]
    public void ReplyCode_with_an_escaped_percent_from_the_protocol_document()
    {
        var reply = SmtpReply.Create(550, "5.7.1", "Blocked: 100% spam");
        Assert.Equal("0000001f79" + Hex.Of("550 5.7.1 Blocked: 100%% spam\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteReplyCode(w, reply)));
    }

    [Fact]
    public void ReplyCode_as_libmilter_sent_it_in_the_captures()
    {
        var reply = SmtpReply.Create(550, "5.7.1", "Rejected by harness milter: subject contains REJECTME");
        Assert.Equal(
            "000000417935353020352e372e312052656a6563746564206279206861726e657373206d696c7465723a207375626a65637420636f6e7461696e732052454a4543544d4500",
            Hex.Written(w => MilterResponseWriter.WriteReplyCode(w, reply)));
    }

    [Fact]
    public void ReplaceBody_is_split_into_chunks_of_at_most_65535_bytes()
    {
        var body = Enumerable.Range(0, 150_000).Select(i => (byte)(i % 251)).ToArray();
        var buffer = new ArrayBufferWriter<byte>();
        MilterResponseWriter.WriteReplaceBody(buffer, body);

        var reader = new MilterFrameReader(FrameSource.Milter);
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        var lengths = new List<int>();
        var rebuilt = new List<byte>();
        while (reader.TryRead(sequence, out var frame, out var consumed))
        {
            Assert.Equal(MilterResponseCode.ReplaceBody, frame.ResponseCode);
            lengths.Add(frame.Payload.Length);
            rebuilt.AddRange(frame.Payload.ToArray());
            sequence = sequence.Slice(consumed);
        }

        Assert.Equal([65535, 65535, 18930], lengths);
        Assert.Equal(body, rebuilt);
    }

    [Fact]
    public void An_empty_replacement_body_is_one_empty_packet() =>
        Assert.Equal("0000000162", Hex.Written(w => MilterResponseWriter.WriteReplaceBody(w, [])));

    [Fact]
    public void OptNeg_reply_with_macro_list_from_the_protocol_document()
    {
        var reply = new OptionNegotiation(6, ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.SetMacroLists,
            ProtocolFlags.NoUnknown | ProtocolFlags.NoData | ProtocolFlags.Skip,
            [new MacroRequest(MacroStage.Connect, ["{client_addr}", "j"])]);

        Assert.Equal("00000021 4f 00000006 00000111 00000700 00000000 7b636c69656e745f616464727d206a00".Replace(" ", "", StringComparison.Ordinal),
            Hex.Written(reply.WriteTo));
        Assert.Equal("0000000d4f000000060000001100000700",
            Hex.Written(new OptionNegotiation(6, ActionFlags.AddHeaders | ActionFlags.ChangeHeaders, ProtocolFlags.NoUnknown | ProtocolFlags.NoData | ProtocolFlags.Skip).WriteTo));
    }

    [Fact]
    public void A_payload_over_65535_bytes_is_never_written()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var error = Assert.Throws<ArgumentException>(() => MilterResponseWriter.WriteAddHeader(buffer, "X-Big", new string('a', 70_000)));
        Assert.Contains("at most 65535", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData("X Bad")]
    [InlineData("X:Bad")]
    [InlineData("X-\u00e9")]
    public void A_header_name_that_cannot_be_a_field_name_is_refused(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => MilterResponseWriter.WriteAddHeader(new ArrayBufferWriter<byte>(), name, "v"));

    [Fact]
    public void A_NUL_inside_a_string_is_refused_because_it_would_cut_the_string()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var error = Assert.Throws<ArgumentException>(() => MilterResponseWriter.WriteAddHeader(buffer, "X-A", "a\0b"));
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Unicode_text_goes_out_as_UTF_8() =>
        Assert.Equal(Hex.Packet('h', "X-N\0Grüße\0"u8),
            Hex.Written(w => MilterResponseWriter.WriteAddHeader(w, "X-N", "Grüße")));
}
