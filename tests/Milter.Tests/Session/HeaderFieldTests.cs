using System.Text;

namespace Milter.Tests.Session;

/// <summary>A header field kept as bytes: strings only when read, common names from a table.</summary>
public class HeaderFieldTests
{
    private static HeaderField Field(string name, byte[] value) => new(Encoding.UTF8.GetBytes(name), value);

    [Fact]
    public void Common_names_come_from_the_table_and_others_are_decoded_in_the_clients_spelling()
    {
        var subject = Field("Subject", "hi"u8.ToArray());
        Assert.Same(subject.Name, Field("Subject", []).Name);
        Assert.Same("Subject", subject.Name);
        Assert.Equal("X-Custom-Thing", Field("X-Custom-Thing", []).Name);
        Assert.Equal("SUBJECT", Field("SUBJECT", []).Name); // another spelling is kept as sent
    }

    [Fact]
    public void The_value_is_decoded_losslessly()
    {
        var field = Field("Subject", [0x68, 0xC3, 0xA9, 0xFF]);
        Assert.Equal("h\u00E9\uDCFF", field.Value);
        Assert.Equal([0x68, 0xC3, 0xA9, 0xFF], field.RawValue.ToArray());
        Assert.Equal("Subject: h\u00E9\uDCFF", field.ToString());
    }

    [Theory]
    [InlineData("Subject", "subject", true)]
    [InlineData("X-SPAM-Flag", "x-spam-flag", true)]
    [InlineData("Subject", "Subjec", false)]
    [InlineData("Kelvin", "\u212Aelvin", false)] // the Kelvin sign lowers to k, but header names compare in ASCII only
    public void NameIs_ignores_ASCII_case_only(string name, string asked, bool expected) =>
        Assert.Equal(expected, Field(name, []).NameIs(asked));

    [Fact]
    public void NameIs_does_not_match_8_bit_bytes_to_Latin_1_characters() =>
        Assert.False(new HeaderField(new byte[] { 0xC9 }, default).NameIs("\u00C9"));
}
