using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Protocol;

/// <summary>Replays what Postfix 3.7 and Sendmail 8.17 really sent, and what libmilter and pymilter really answered.</summary>
public class CaptureReplayTests
{
    public static TheoryData<string> Files => new(Capture.FileNames);

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_MTA_packet_frames_and_parses(string file)
    {
        var capture = Capture.Load(file);
        Assert.NotEmpty(capture.Connections);
        foreach (var connection in capture.Connections)
        {
            var expected = connection.Packets.Where(p => p.FromMta).ToList();
            var frames = ReadAll(new MilterFrameReader(FrameSource.Mta), Segments.Split(connection.MtaStream, Cuts(connection.MtaStream.Length, 61)));
            Assert.Equal(expected.Count, frames.Count);
            for (var i = 0; i < frames.Count; i++)
            {
                Assert.Equal(expected[i].Command, frames[i].Command);
                Assert.Equal(expected[i].Payload.ToArray(), frames[i].Payload.ToArray());
                Describe(frames[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_milter_response_parses_and_is_written_back_to_the_same_bytes(string file)
    {
        foreach (var connection in Capture.Load(file).Connections)
        {
            foreach (var packet in connection.Packets.Where(p => !p.FromMta))
            {
                var response = MilterResponse.Parse(new MilterFrame(packet.Command, packet.Payload));
                var buffer = new ArrayBufferWriter<byte>();
                response.WriteTo(buffer);
                Assert.Equal(Hex.Of(packet.Bytes.Span), Hex.Of(buffer.WrittenSpan));
            }
        }
    }

    [Fact]
    public void A_whole_session_parses_when_split_at_every_position()
    {
        var connection = Capture.Load("postfix-3.7-libmilter-session-mixed.txt").Connections[0];
        var stream = connection.MtaStream;
        var expected = connection.Packets.Count(p => p.FromMta);
        var reader = new MilterFrameReader(FrameSource.Mta);
        for (var cut = 0; cut <= stream.Length; cut++)
        {
            var frames = ReadAll(reader, Segments.Split(stream, cut));
            Assert.Equal(expected, frames.Count);
        }
    }

    [Fact]
    public void Values_seen_in_the_captures()
    {
        var connection = Capture.Load("postfix-3.7-libmilter-session-mixed.txt").Connections[0];
        var frames = ReadAll(new MilterFrameReader(FrameSource.Mta), new ReadOnlySequence<byte>(connection.MtaStream));
        var seen = frames.Select(Describe).ToList();

        Assert.Contains("OPTNEG version 6, actions 0x1FF (All), protocol 0x1FFFFF (All)", seen);
        Assert.Contains("CONNECT localhost IPv4 127.0.0.1", seen);
        Assert.Contains("HELO client.harness.test", seen);
        Assert.Contains("UNKNOWN XHARNESS", seen);
        Assert.Contains("MAIL <sender@origin.test> SIZE=512 BODY=8BITMIME", seen);
        Assert.Contains("RCPT <rcpt2@dest.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;rcpt2@dest.test", seen);
        Assert.Contains("HEADER Subject: please REJECTME now", seen);
        Assert.Contains("MACRO L i", seen);
        Assert.Contains("MACRO U", seen);
    }

    /// <summary>Parses a frame with its typed parser and describes it, so a parse error fails the test.</summary>
    private static string Describe(MilterFrame frame)
    {
        var payload = frame.Payload;
        switch (frame.CommandCode)
        {
            case MilterCommandCode.OptionNegotiation:
                return "OPTNEG " + OptionNegotiation.Parse(payload);
            case MilterCommandCode.Macro:
                var macros = MacroCommand.Parse(payload);
                var names = new List<string>();
                foreach (var pair in macros)
                    names.Add(pair.GetName());
                return $"MACRO {(char)macros.ForCommand} {string.Join(' ', names)}".TrimEnd();
            case MilterCommandCode.Connect:
                var connect = ConnectCommand.Parse(payload);
                return $"CONNECT {connect.GetHostName()} {connect.Family} {connect.GetAddress()}";
            case MilterCommandCode.Helo:
            case MilterCommandCode.Unknown:
                return $"{(frame.CommandCode == MilterCommandCode.Helo ? "HELO" : "UNKNOWN")} {TextCommand.Parse(payload, frame.CommandCode).GetText()}";
            case MilterCommandCode.Mail:
            case MilterCommandCode.Rcpt:
                var envelope = EnvelopeCommand.Parse(payload, frame.CommandCode);
                return string.Join(' ', [frame.CommandCode == MilterCommandCode.Mail ? "MAIL" : "RCPT", envelope.GetAddress(), .. envelope.GetArguments()]);
            case MilterCommandCode.Header:
                var header = HeaderCommand.Parse(payload);
                return $"HEADER {header.GetName()}: {header.GetValue()}";
            case MilterCommandCode.Body:
                return $"BODY {payload.Length}";
            default:
                Assert.True(payload.IsEmpty, $"{frame.DescribeCommand()} has a payload");
                return frame.CommandCode.ToString();
        }
    }

    private static List<MilterFrame> ReadAll(MilterFrameReader reader, ReadOnlySequence<byte> buffer)
    {
        var frames = new List<MilterFrame>();
        while (reader.TryRead(buffer, out var frame, out var consumed))
        {
            // Copy: a frame that crossed segments lives in the reader's scratch buffer until the next read.
            frames.Add(new MilterFrame(frame.Command, frame.Payload.ToArray()));
            buffer = buffer.Slice(consumed);
        }

        MilterFrameReader.ThrowIfIncomplete(buffer);
        return frames;
    }

    private static int[] Cuts(int length, int step) => Enumerable.Range(1, length / step).Select(i => (i * step) + (i % 5)).ToArray();
}
