using Milter.Client;
using Milter.Tests.Support;

namespace Milter.Tests.Client;

/// <summary>The capture format as a product type: it reads every shared capture, writes it back packet for packet, and describes packets as the recorder did.</summary>
public class MilterCaptureTests
{
    public static TheoryData<string> Files => new(Capture.FileNames);

    [Theory]
    [MemberData(nameof(Files))]
    public void A_capture_written_back_reads_the_same(string file)
    {
        var capture = Capture.Load(file);
        using var text = new StringWriter();
        capture.WriteTo(text);

        var again = MilterCapture.Parse(new StringReader(text.ToString()), file);

        Assert.Equal(capture.Notes, again.Notes);
        Assert.Equal(capture.Connections.Select(c => c.Label), again.Connections.Select(c => c.Label));
        Assert.Equal(capture.Connections.SelectMany(c => c.Packets).Select(p => (p.FromMta, Hex.Of(p.Bytes.Span))),
            again.Connections.SelectMany(c => c.Packets).Select(p => (p.FromMta, Hex.Of(p.Bytes.Span))));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_packet_is_described_by_the_name_the_recorder_gave_it(string file)
    {
        foreach (var packet in Capture.Load(file).Connections.SelectMany(c => c.Packets))
        {
            var described = CapturedPacket.Describe(packet.FromMta, packet.Bytes.Span);
            Assert.Equal(packet.Description.Split(' ')[0], described.Split(' ')[0]);
        }
    }

    [Fact]
    public void A_damaged_line_is_named_with_its_number()
    {
        var error = Assert.Throws<InvalidDataException>(() => MilterCapture.Parse(new StringReader("# note\n# --- connection 1: x\n> 0000000263\n"), "broken.txt"));

        Assert.Equal("broken.txt, line 3: the length field does not match the packet's 5 bytes.", error.Message);
    }
}
