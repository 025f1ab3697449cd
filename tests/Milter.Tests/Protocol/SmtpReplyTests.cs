using Milter.Protocol;

namespace Milter.Tests.Protocol;

public class SmtpReplyTests
{
    [Fact]
    public void A_single_line_reply() =>
        Assert.Equal("550 5.7.1 Relaying denied", SmtpReply.Create(550, "5.7.1", "Relaying denied").ToWireText());

    [Fact]
    public void A_reply_without_extended_code_keeps_the_separator() =>
        Assert.Equal("451 Try later", SmtpReply.Create(451, null, "Try later").ToWireText());

    [Fact]
    public void A_multi_line_reply_uses_dashes_and_CRLF() =>
        Assert.Equal("550-5.7.1 Blocked\r\n550-5.7.1 Really\r\n550 5.7.1 See https://example.org/x",
            SmtpReply.Create(550, "5.7.1", "Blocked", "Really", "See https://example.org/x").ToWireText());

    [Fact]
    public void Percent_is_escaped_on_the_wire_and_not_in_the_text()
    {
        var reply = SmtpReply.Create(550, "5.7.1", "100% spam");
        Assert.Equal("550 5.7.1 100%% spam", reply.ToWireText());
        Assert.Equal("550 5.7.1 100% spam", reply.ToString());
        Assert.Equal("100% spam", reply.Lines[0]);
    }

    [Theory]
    [InlineData(250, "2xx or 3xx")]
    [InlineData(399, "must be 4xx or 5xx")]
    [InlineData(600, "must be 4xx or 5xx")]
    [InlineData(99, "must be 4xx or 5xx")]
    [InlineData(460, "second digit 0-5")]
    public void The_code_must_be_4xx_or_5xx(int code, string _)
    {
        var error = Assert.Throws<ArgumentException>(() => SmtpReply.Create(code, null, "text"));
        Assert.Contains("must be 4xx or 5xx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_extended_code_class_must_match()
    {
        var error = Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, "4.7.1", "text"));
        Assert.Contains("does not match reply code 550: its class must be 5", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5.7")]
    [InlineData("5.7.1.2")]
    [InlineData("2.0.0")]
    [InlineData("5.1234.1")]
    [InlineData("5.x.1")]
    [InlineData("")]
    public void A_malformed_extended_code_is_refused(string extended)
    {
        var error = Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, extended, "text"));
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    public void CR_LF_and_NUL_are_refused_in_a_line(string line)
    {
        var error = Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, "5.7.1", line));
        Assert.Contains("contains CR, LF or NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_must_number_1_to_32()
    {
        Assert.Contains("1 to 32 lines; got 0", Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, null)).Message, StringComparison.Ordinal);
        Assert.Contains("got 33", Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, null, Enumerable.Repeat("x", 33).ToArray())).Message, StringComparison.Ordinal);
        Assert.Equal(32, SmtpReply.Create(550, null, Enumerable.Repeat("x", 32).ToArray()).Lines.Count);
    }

    [Fact]
    public void A_line_may_be_980_bytes_after_escaping()
    {
        SmtpReply.Create(550, null, new string('a', 980));
        Assert.Contains("981 bytes", Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, null, new string('a', 981))).Message, StringComparison.Ordinal);
        SmtpReply.Create(550, null, new string('%', 490));
        Assert.Contains("982 bytes on the wire (after % escaping)", Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, null, new string('%', 491))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsing_the_wire_text_undoes_escaping_and_splits_lines()
    {
        var reply = SmtpReply.ParseWireText("550-5.7.1 Blocked 100%%\r\n550 5.7.1 See https://example.org/x");
        Assert.Equal(550, reply.Code);
        Assert.Equal("5.7.1", reply.ExtendedCode);
        Assert.Equal(["Blocked 100%", "See https://example.org/x"], reply.Lines);
    }

    [Theory]
    [InlineData("550", "must start with a 3-digit code")]
    [InlineData("250 2.0.0 ok", "must be 4xx or 5xx")]
    [InlineData("550 5.7.1 100% spam", "lone '%'")]
    [InlineData("550-5.7.1 a\r\n451 5.7.1 b", "has code 451")]
    [InlineData("550 5.7.1 a\r\n550 5.7.1 b", "must start with a 3-digit code and '-'")]
    public void Parsing_a_bad_wire_text_names_the_problem(string text, string expected)
    {
        var error = Assert.Throws<MilterProtocolException>(() => SmtpReply.ParseWireText(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
