using System.Buffers;
using CsCheck;
using Milter.Protocol;

namespace Milter.Tests.Protocol;

/// <summary>For every packet kind: writing then parsing gives back the input, for random inputs including non-UTF-8 bytes.</summary>
public class RoundTripProperties
{
    /// <summary>Any bytes except NUL, as the lossless string that carries them (covers invalid UTF-8).</summary>
    private static readonly Gen<string> WireString =
        Gen.Byte[1, 255].Array[0, 40].Select(bytes => WireText.Decode(bytes));

    private static readonly Gen<string> NonEmptyWireString = Gen.Byte[1, 255].Array[1, 40].Select(bytes => WireText.Decode(bytes));

    private static readonly Gen<string> HeaderName = Gen.String[Gen.Char['!', '~'].Where(c => c != ':'), 1, 30];

    /// <summary>Macro names: the list separators (space and comma) cannot be part of a name.</summary>
    private static readonly Gen<string> MacroName = Gen.String[Gen.Char['!', '~'].Where(c => c != ','), 1, 20];

    [Fact]
    public void WireText_returns_every_byte_sequence_unchanged() =>
        Gen.Byte.Array[0, 300].Sample(bytes => Assert.Equal(bytes, WireText.Encode(WireText.Decode(bytes))));

    [Fact]
    public void WireText_sends_valid_strings_as_UTF_8() =>
        Gen.String.Where(s => !HasLoneSurrogate(s)).Sample(s =>
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(s), WireText.Encode(s)));

    [Fact]
    public void OptionNegotiation_round_trips() =>
        Gen.Select(Gen.UInt, Gen.UInt, Gen.UInt, Gen.Select(Gen.UInt[0, 6], MacroName.Array[1, 4]).Array[0, 3])
            .Sample((version, actions, protocol, lists) =>
            {
                var negotiation = new OptionNegotiation(version, (ActionFlags)actions, (ProtocolFlags)protocol,
                    lists.Select(l => new MacroRequest((MacroStage)l.Item1, l.Item2)).ToList());
                Assert.Equal(negotiation, OptionNegotiation.Parse(Write(negotiation.WriteTo).Payload));
            });

    [Fact]
    public void Connect_round_trips() =>
        Gen.Select(WireString, Gen.OneOf(ConnectionFamily.IPv4, ConnectionFamily.IPv6, ConnectionFamily.Unix, ConnectionFamily.Unknown), Gen.UShort, WireString)
            .Sample((host, family, port, address) =>
            {
                var connect = ConnectCommand.Parse(Write(w => MtaCommandWriter.WriteConnect(w, host, family, port, address)).Payload);
                Assert.Equal(host, connect.GetHostName());
                Assert.Equal(family, connect.Family);
                var known = family != ConnectionFamily.Unknown;
                Assert.Equal(known ? port : 0, connect.Port);
                Assert.Equal(known ? StripIPv6(address) : "", connect.GetAddress());
            });

    [Fact]
    public void Macros_round_trip() =>
        Gen.Select(Gen.Byte, Gen.Select(NonEmptyWireString, WireString).Array[0, 6]).Sample((forCommand, pairs) =>
        {
            var macros = MacroCommand.Parse(Write(w => MtaCommandWriter.WriteMacros(w, forCommand,
                pairs.Select(p => KeyValuePair.Create(p.Item1, p.Item2)))).Payload);
            Assert.Equal(forCommand, macros.ForCommand);
            var read = new List<(string, string)>();
            foreach (var pair in macros)
                read.Add((pair.GetName(), pair.GetValue()));
            Assert.Equal(pairs, read);
        });

    [Fact]
    public void Envelope_commands_round_trip() =>
        Gen.Select(Gen.Bool, WireString, NonEmptyWireString.Array[0, 5]).Sample((isRcpt, address, arguments) =>
        {
            var command = isRcpt ? MilterCommandCode.Rcpt : MilterCommandCode.Mail;
            var frame = Write(w =>
            {
                if (isRcpt)
                    MtaCommandWriter.WriteRcpt(w, address, arguments);
                else
                    MtaCommandWriter.WriteMail(w, address, arguments);
            });
            Assert.Equal((byte)command, frame.Command);
            var envelope = EnvelopeCommand.Parse(frame.Payload, command);
            Assert.Equal(address, envelope.GetAddress());
            Assert.Equal(arguments, envelope.GetArguments());
        });

    [Fact]
    public void Header_helo_and_unknown_round_trip() =>
        Gen.Select(WireString, WireString).Sample((name, value) =>
        {
            var header = HeaderCommand.Parse(Write(w => MtaCommandWriter.WriteHeader(w, name, value)).Payload);
            Assert.Equal((name, value), (header.GetName(), header.GetValue()));
            Assert.Equal(value, TextCommand.Parse(Write(w => MtaCommandWriter.WriteHelo(w, value)).Payload, MilterCommandCode.Helo).GetText());
            Assert.Equal(value, TextCommand.Parse(Write(w => MtaCommandWriter.WriteUnknown(w, value)).Payload, MilterCommandCode.Unknown).GetText());
        });

    [Fact]
    public void Body_round_trips_in_chunks() =>
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[1, 1000]).Sample((body, chunk) =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            MtaCommandWriter.WriteBody(buffer, body, chunk);
            var rebuilt = new List<byte>();
            foreach (var frame in ReadAll(buffer, FrameSource.Mta))
            {
                Assert.Equal(MilterCommandCode.Body, frame.CommandCode);
                Assert.InRange(frame.Payload.Length, 1, chunk);
                rebuilt.AddRange(frame.Payload.ToArray());
            }

            Assert.Equal(body, rebuilt);
        });

    [Fact]
    public void Every_response_kind_round_trips()
    {
        var simple = Gen.OneOf(MilterResponseCode.Accept, MilterResponseCode.Continue, MilterResponseCode.Discard,
            MilterResponseCode.Reject, MilterResponseCode.Tempfail, MilterResponseCode.Skip, MilterResponseCode.Progress,
            MilterResponseCode.Shutdown, MilterResponseCode.ConnectionFailure).Select(c => (MilterResponse)new SimpleResponse(c));
        var response = Gen.OneOf(
            simple,
            Gen.Select(HeaderName, WireString, (n, v) => (MilterResponse)new AddHeaderResponse(n, v)),
            Gen.Select(Gen.UInt, HeaderName, WireString, (i, n, v) => (MilterResponse)new InsertHeaderResponse(i, n, v)),
            Gen.Select(Gen.UInt, HeaderName, WireString, (i, n, v) => (MilterResponse)new ChangeHeaderResponse(i, n, v)),
            NonEmptyWireString.Select(r => (MilterResponse)new AddRecipientResponse(r)),
            NonEmptyWireString.Select(r => (MilterResponse)new DeleteRecipientResponse(r)),
            Gen.Select(NonEmptyWireString, NonEmptyWireString.Null(), (r, p) => (MilterResponse)new AddRecipientWithParametersResponse(r, p)),
            Gen.Select(NonEmptyWireString, NonEmptyWireString.Null(), (s, p) => (MilterResponse)new ChangeSenderResponse(s, p)),
            NonEmptyWireString.Select(r => (MilterResponse)new QuarantineResponse(r)),
            Gen.Byte.Array[0, 2000].Select(b => (MilterResponse)new ReplaceBodyResponse(b)),
            Replies.Select(r => (MilterResponse)new ReplyCodeResponse(r)));

        response.Sample(expected =>
        {
            var frame = Write(expected.WriteTo, FrameSource.Milter);
            Assert.Equal(expected, MilterResponse.Parse(frame));
        });
    }

    [Fact]
    public void Smtp_replies_round_trip_through_their_wire_text() =>
        Replies.Sample(reply => Assert.Equal(reply, SmtpReply.ParseWireText(reply.ToWireText())));

    private static Gen<SmtpReply> Replies =>
        Gen.Select(Gen.Int[4, 5], Gen.Int[0, 5], Gen.Int[0, 9], Gen.Bool, Gen.Int[0, 999], Gen.Int[0, 999],
                Gen.String[Gen.Char[' ', '~'], 0, 60].Where(l => !l.StartsWith(' ') && !LooksLikeCode(l)).Array[1, 5])
            .Select((c, d2, d3, withExtended, subject, detail, lines) =>
            {
                var code = (c * 100) + (d2 * 10) + d3;
                return SmtpReply.Create(code, withExtended ? $"{c}.{subject}.{detail}" : null, lines);
            });

    // A text whose first word looks like an enhanced code is ambiguous on the wire when no code is given.
    private static bool LooksLikeCode(string line) => line.Length > 1 && line[0] is '4' or '5' && line[1] == '.';

    private static string StripIPv6(string address) => address.StartsWith("IPv6:", StringComparison.Ordinal) ? address[5..] : address;

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                i++;
            else if (char.IsSurrogate(s[i]))
                return true;
        }

        return false;
    }

    private static MilterFrame Write(Action<IBufferWriter<byte>> write, FrameSource source = FrameSource.Mta)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Assert.Single(ReadAll(buffer, source));
    }

    private static List<MilterFrame> ReadAll(ArrayBufferWriter<byte> buffer, FrameSource source)
    {
        var reader = new MilterFrameReader(source);
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        var frames = new List<MilterFrame>();
        while (reader.TryRead(sequence, out var frame, out var consumed))
        {
            frames.Add(frame);
            sequence = sequence.Slice(consumed);
        }

        Assert.True(sequence.IsEmpty);
        return frames;
    }
}
