using System.Net;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Protocol;

public class CommandParsingTests
{
    private static ReadOnlyMemory<byte> Payload(string hexPacket) => Hex.Bytes(hexPacket).AsMemory(5);

    [Fact]
    public void OptNeg_offer_from_the_protocol_document()
    {
        var offer = OptionNegotiation.Parse(Payload("0000000D 4F 00000006 000001FF 001FFFFF"));

        Assert.Equal(new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All), offer);
    }

    [Fact]
    public void OptNeg_reply_with_a_macro_list_from_the_protocol_document()
    {
        var reply = OptionNegotiation.Parse(Payload(
            "00000021 4F 00000006 00000111 00000700 00000000 7B636C69656E745F616464727D206A00"));

        Assert.Equal(6u, reply.Version);
        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.SetMacroLists, reply.Actions);
        Assert.Equal(ProtocolFlags.NoUnknown | ProtocolFlags.NoData | ProtocolFlags.Skip, reply.Protocol);
        var request = Assert.Single(reply.MacroRequests);
        Assert.Equal(MacroStage.Connect, request.Stage);
        Assert.Equal(["{client_addr}", "j"], request.Names);
    }

    [Fact]
    public void OptNeg_macro_lists_separated_by_commas_are_split_too()
    {
        var payload = Hex.Bytes("00000006 00000100 00000000 00000003").Concat("i,{rcpt_addr}\0"u8.ToArray()).ToArray();
        var request = Assert.Single(OptionNegotiation.Parse(payload).MacroRequests);
        Assert.Equal(MacroStage.Rcpt, request.Stage);
        Assert.Equal(["i", "{rcpt_addr}"], request.Names);
    }

    [Fact]
    public void OptNeg_shorter_than_12_bytes_is_an_error()
    {
        var error = Assert.Throws<MilterProtocolException>(() => OptionNegotiation.Parse(Hex.Bytes("00000006 000001ff 001fff")));
        Assert.Contains("11 bytes; it needs at least 12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptNeg_with_a_cut_macro_list_is_an_error()
    {
        Assert.Throws<MilterProtocolException>(() => OptionNegotiation.Parse(Hex.Bytes("00000006 00000100 00000000 0000")));
        var error = Assert.Throws<MilterProtocolException>(() => OptionNegotiation.Parse(Hex.Bytes("00000006 00000100 00000000 00000000 6a")));
        Assert.Contains("macro list is not NUL-terminated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Macro_for_connect_from_the_protocol_document()
    {
        var macros = MacroCommand.Parse(Payload(
            "0000002C 44 43 6A00 6D782E6578616D706C652E6E657400 7B6461656D6F6E5F616464727D00 3139322E302E322E323500"));

        Assert.Equal((byte)'C', macros.ForCommand);
        var pairs = new List<(string, string)>();
        foreach (var pair in macros)
            pairs.Add((pair.GetName(), pair.GetValue()));
        Assert.Equal([("j", "mx.example.net"), ("{daemon_addr}", "192.0.2.25")], pairs);
    }

    [Fact]
    public void Macro_with_an_empty_list_as_Postfix_sends_it()
    {
        var macros = MacroCommand.Parse(Payload("00000002 44 48"));
        Assert.Equal((byte)'H', macros.ForCommand);
        foreach (var _ in macros)
            Assert.Fail("no pairs expected");
    }

    [Theory]
    [InlineData((byte)'L')]
    [InlineData((byte)'B')]
    [InlineData((byte)'U')]
    [InlineData((byte)'z')]
    public void Macro_accepts_any_command_byte(byte forCommand)
    {
        var macros = MacroCommand.Parse(new byte[] { forCommand, (byte)'i', 0, (byte)'Q', 0 });
        Assert.Equal(forCommand, macros.ForCommand);
        foreach (var pair in macros)
            Assert.Equal(("i", "Q"), (pair.GetName(), pair.GetValue()));
    }

    [Fact]
    public void Macro_ignores_an_odd_trailing_name()
    {
        var macros = MacroCommand.Parse("Mi\0ABC123\0{mail_addr}\0"u8.ToArray());
        var names = new List<string>();
        foreach (var pair in macros)
            names.Add(pair.GetName());
        Assert.Equal(["i"], names);
    }

    [Fact]
    public void Macro_with_an_empty_payload_or_unterminated_string_is_an_error()
    {
        Assert.Throws<MilterProtocolException>(() => MacroCommand.Parse(ReadOnlyMemory<byte>.Empty));
        var error = Assert.Throws<MilterProtocolException>(() => MacroCommand.Parse("Ci\0abc"u8.ToArray()));
        Assert.Contains("not NUL-terminated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_over_IPv4_from_the_protocol_document()
    {
        var connect = ConnectCommand.Parse(Payload("00000022 43 6D61696C2E6578616D706C652E636F6D00 34 D431 3139382E35312E3130302E3700"));

        Assert.Equal("mail.example.com", connect.GetHostName());
        Assert.Equal(ConnectionFamily.IPv4, connect.Family);
        Assert.Equal(54321, connect.Port);
        Assert.Equal("198.51.100.7", connect.GetAddress());
        Assert.True(connect.TryGetIPAddress(out var ip));
        Assert.Equal(IPAddress.Parse("198.51.100.7"), ip);
    }

    [Fact]
    public void Connect_over_IPv6_with_Sendmail_prefix_exposes_the_plain_address()
    {
        var connect = ConnectCommand.Parse("host\0"u8.ToArray().Concat(new byte[] { (byte)'6', 0x01, 0x02 }).Concat("IPv6:2001:db8::1\0"u8.ToArray()).ToArray());

        Assert.Equal(ConnectionFamily.IPv6, connect.Family);
        Assert.Equal(258, connect.Port);
        Assert.Equal("2001:db8::1", connect.GetAddress());
        Assert.True(connect.TryGetIPAddress(out var ip));
        Assert.Equal(IPAddress.Parse("2001:db8::1"), ip);
    }

    [Fact]
    public void Connect_over_IPv6_in_Postfix_plain_form()
    {
        var connect = ConnectCommand.Parse("host\0"u8.ToArray().Concat(new byte[] { (byte)'6', 0, 25 }).Concat("::1\0"u8.ToArray()).ToArray());
        Assert.Equal("::1", connect.GetAddress());
    }

    [Fact]
    public void Connect_over_a_unix_socket_carries_the_path()
    {
        var connect = ConnectCommand.Parse("localhost\0L\0\0/run/smtp.sock\0"u8.ToArray());
        Assert.Equal(ConnectionFamily.Unix, connect.Family);
        Assert.Equal(0, connect.Port);
        Assert.Equal("/run/smtp.sock", connect.GetAddress());
        Assert.False(connect.TryGetIPAddress(out _));
    }

    [Fact]
    public void Connect_with_unknown_family_ends_after_the_family_byte()
    {
        var connect = ConnectCommand.Parse("localhost\0U"u8.ToArray());
        Assert.Equal(ConnectionFamily.Unknown, connect.Family);
        Assert.Equal(0, connect.Port);
        Assert.True(connect.Address.IsEmpty);
    }

    [Fact]
    public void Connect_with_an_undefined_family_byte_is_an_error()
    {
        var error = Assert.Throws<MilterProtocolException>(() => ConnectCommand.Parse("host\0X\0\u00191.0.0.1\0"u8.ToArray()));
        Assert.Contains("unknown address family 'X' (0x58)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_cut_after_the_port_is_an_error()
    {
        var error = Assert.Throws<MilterProtocolException>(() => ConnectCommand.Parse((byte[])[.. "host\0"u8, (byte)'4', 0, 25]));
        Assert.Contains("CONNECT: the address is missing", error.Message, StringComparison.Ordinal);
        Assert.Throws<MilterProtocolException>(() => ConnectCommand.Parse((byte[])[.. "host\0"u8, (byte)'4', 0]));
    }

    [Fact]
    public void Helo_and_unknown_carry_one_string()
    {
        Assert.Equal("client.harness.test", TextCommand.Parse("client.harness.test\0"u8.ToArray(), MilterCommandCode.Helo).GetText());
        Assert.Equal("XHARNESS unknown-command", TextCommand.Parse("XHARNESS unknown-command\0"u8.ToArray(), MilterCommandCode.Unknown).GetText());
    }

    [Fact]
    public void A_string_without_its_NUL_is_an_error_naming_the_field()
    {
        var error = Assert.Throws<MilterProtocolException>(() => TextCommand.Parse("client"u8.ToArray(), MilterCommandCode.Helo));
        Assert.Equal("HELO: the HELO name is not NUL-terminated.", error.Message);
    }

    [Fact]
    public void Mail_with_ESMTP_arguments_as_captured()
    {
        var mail = EnvelopeCommand.Parse("<sender@origin.test>\0SIZE=512\0BODY=8BITMIME\0"u8.ToArray());
        Assert.Equal("<sender@origin.test>", mail.GetAddress());
        Assert.Equal(["SIZE=512", "BODY=8BITMIME"], mail.GetArguments());
    }

    [Fact]
    public void Rcpt_without_arguments_and_the_null_sender()
    {
        var rcpt = EnvelopeCommand.Parse("<rcpt1@dest.test>\0"u8.ToArray(), MilterCommandCode.Rcpt);
        Assert.Equal("<rcpt1@dest.test>", rcpt.GetAddress());
        Assert.Empty(rcpt.GetArguments());
        Assert.True(rcpt.Arguments.IsEmpty);
        Assert.Equal("<>", EnvelopeCommand.Parse("<>\0"u8.ToArray()).GetAddress());
    }

    [Fact]
    public void Rcpt_with_an_unterminated_argument_is_an_error()
    {
        var error = Assert.Throws<MilterProtocolException>(() => EnvelopeCommand.Parse("<a@b>\0NOTIFY=NEVER"u8.ToArray(), MilterCommandCode.Rcpt));
        Assert.Equal("RCPT: the last ESMTP argument is not NUL-terminated.", error.Message);
    }

    [Fact]
    public void Header_with_folded_value_keeps_the_bare_LF()
    {
        var header = HeaderCommand.Parse("Subject\0E2E folded subject that is long enough\n to need a continuation line\0"u8.ToArray());
        Assert.Equal("Subject", header.GetName());
        Assert.Equal("E2E folded subject that is long enough\n to need a continuation line", header.GetValue());
    }

    [Fact]
    public void Header_with_an_empty_value()
    {
        var header = HeaderCommand.Parse("X-Empty\0\0"u8.ToArray());
        Assert.Equal("", header.GetValue());
    }

    [Fact]
    public void Header_with_no_value_is_an_error()
    {
        var error = Assert.Throws<MilterProtocolException>(() => HeaderCommand.Parse("Subject\0"u8.ToArray()));
        Assert.Equal("HEADER: the header value is missing.", error.Message);
    }

    [Fact]
    public void Header_with_8_bit_bytes_keeps_every_byte()
    {
        byte[] payload = [.. "Subject\0caf"u8, 0xE9, 0, ];
        var header = HeaderCommand.Parse(payload);
        Assert.Equal(payload.AsSpan(8, 4).ToArray(), header.Value.ToArray());
        Assert.Equal(header.Value.ToArray(), WireText.Encode(header.GetValue()));
    }
}
