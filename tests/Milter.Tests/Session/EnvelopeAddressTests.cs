using System.Text;

namespace Milter.Tests.Session;

/// <summary>An envelope address made from the MTA's bytes: each form decoded once, when read, and the same as one made from a string.</summary>
public class EnvelopeAddressTests
{
    private static Recipient FromWire(string sent, params string[] arguments) => new(Encoding.UTF8.GetBytes(sent), arguments);

    [Theory]
    [InlineData("<a@example.com>", "a@example.com")]
    [InlineData("<>", "")]
    [InlineData("a@example.com", "a@example.com")] // no brackets: kept as sent
    [InlineData("<a@example.com", "<a@example.com")]
    [InlineData("<", "<")]
    [InlineData("", "")]
    public void Both_forms_match_an_address_made_from_the_string(string sent, string address)
    {
        var fromWire = FromWire(sent, "NOTIFY=NEVER");
        var fromString = new Recipient(sent, ["NOTIFY=NEVER"]);
        Assert.Equal(sent, fromWire.RawAddress);
        Assert.Equal(address, fromWire.Address);
        Assert.Equal(address, fromString.Address);
        Assert.Equal(fromString, fromWire);
        Assert.Equal(fromString.GetHashCode(), fromWire.GetHashCode());
        Assert.Equal("NEVER", fromWire.GetArgument("notify"));
    }

    [Fact]
    public void Each_form_is_made_once()
    {
        var recipient = FromWire("<a@example.com>");
        Assert.Same(recipient.Address, recipient.Address);
        Assert.Same(recipient.RawAddress, recipient.RawAddress);
        var sender = new Sender("<b@example.org>");
        Assert.Same(sender.Address, sender.Address);
    }

    [Fact]
    public void The_null_sender_is_known_from_the_wire()
    {
        var sender = new Sender("<>"u8, []);
        Assert.True(sender.IsNullSender);
        Assert.Equal("<>", sender.ToString());
    }

    [Fact]
    public void Non_ascii_bytes_decode_as_the_whole_address_would()
    {
        byte[] sent = [(byte)'<', 0xC3, 0xA9, (byte)'@', (byte)'x', 0xFF, (byte)'>'];
        var recipient = new Recipient(sent, []);
        Assert.Equal(Milter.Protocol.WireText.Decode(sent), recipient.RawAddress);
        Assert.Equal(Milter.Protocol.WireText.Decode(sent.AsSpan(1, sent.Length - 2)), recipient.Address);
    }
}
