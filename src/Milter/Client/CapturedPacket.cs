using System.Globalization;
using System.Text;
using Milter.Protocol;

namespace Milter.Client;

/// <summary>One packet of a capture, whole (length, command byte, payload), and a readable description of it.</summary>
/// <param name="FromMta">True for a command from the MTA, false for a response from the milter.</param>
/// <param name="Bytes">The whole packet as it went over the wire.</param>
/// <param name="Description">The decoding written after it (informative only).</param>
public sealed record CapturedPacket(bool FromMta, ReadOnlyMemory<byte> Bytes, string Description)
{
    /// <summary>The command (or response) byte.</summary>
    public byte Command => Bytes.Span[4];

    /// <summary>The payload after the command byte.</summary>
    public ReadOnlyMemory<byte> Payload => Bytes[5..];

    /// <summary>A short decoding of a whole packet, as capture files show it; never throws.</summary>
    public static string Describe(bool fromMta, ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 5)
            return "(truncated)";
        var frame = new MilterFrame(packet[4], packet[5..].ToArray());
        try
        {
            return fromMta ? DescribeCommand(frame) : DescribeResponse(frame);
        }
        catch (MilterProtocolException e)
        {
            return $"{frame.DescribeCommand()} (malformed: {e.Message})";
        }
    }

    private static string DescribeCommand(MilterFrame frame) => frame.CommandCode switch
    {
        MilterCommandCode.OptionNegotiation => Negotiation(OptionNegotiation.Parse(frame.Payload)),
        MilterCommandCode.Macro => Macros(MacroCommand.Parse(frame.Payload)),
        MilterCommandCode.Connect => Connect(ConnectCommand.Parse(frame.Payload)),
        MilterCommandCode.Helo => $"HELO {Quote(TextCommand.Parse(frame.Payload, MilterCommandCode.Helo).GetText())}",
        MilterCommandCode.Mail or MilterCommandCode.Rcpt => Envelope(frame.CommandCode, EnvelopeCommand.Parse(frame.Payload, frame.CommandCode)),
        MilterCommandCode.Header => Header(HeaderCommand.Parse(frame.Payload)),
        MilterCommandCode.Body => $"BODY {frame.Payload.Length} bytes: {Quote(Encoding.UTF8.GetString(frame.Payload.Span[..Math.Min(40, frame.Payload.Length)]))}",
        MilterCommandCode.Unknown => $"UNKNOWN {Quote(TextCommand.Parse(frame.Payload, MilterCommandCode.Unknown).GetText())}",
        MilterCommandCode.Abort => "ABORT",
        MilterCommandCode.EndOfBody => "BODYEOB",
        MilterCommandCode.Data => "DATA",
        MilterCommandCode.EndOfHeaders => "EOH",
        MilterCommandCode.Quit => "QUIT",
        MilterCommandCode.QuitNewConnection => "QUIT_NC",
        _ => frame.DescribeCommand(),
    };

    private static string DescribeResponse(MilterFrame frame) => MilterResponse.Parse(frame) switch
    {
        NegotiationResponse n => Negotiation(n.Negotiation),
        ReplyCodeResponse r => $"REPLYCODE {Quote(r.Reply.ToString())}",
        AddHeaderResponse a => $"ADDHEADER {a.Name}: {Quote(a.Value)}",
        InsertHeaderResponse i => string.Create(CultureInfo.InvariantCulture, $"INSHEADER {i.Index} {i.Name}: {Quote(i.Value)}"),
        ChangeHeaderResponse c => string.Create(CultureInfo.InvariantCulture, $"CHGHEADER {c.Index} {c.Name}: {Quote(c.Value)}"),
        AddRecipientResponse a => $"ADDRCPT {a.Recipient}",
        AddRecipientWithParametersResponse a => $"ADDRCPT_PAR {a.Recipient} {a.Parameters}".TrimEnd(),
        DeleteRecipientResponse d => $"DELRCPT {d.Recipient}",
        ChangeSenderResponse c => $"CHGFROM {c.Sender} {c.Parameters}".TrimEnd(),
        QuarantineResponse q => $"QUARANTINE {Quote(q.Reason)}",
        ReplaceBodyResponse b => $"REPLBODY {b.Body.Length} bytes",
        var other => other.Code.ToString().ToUpperInvariant(),
    };

    private static string Negotiation(OptionNegotiation n) =>
        string.Create(CultureInfo.InvariantCulture, $"OPTNEG version={n.Version} actions=0x{(uint)n.Actions:x} protocol=0x{(uint)n.Protocol:x}")
        + (n.MacroRequests.Count == 0 ? string.Empty : " macros " + string.Join(" ", n.MacroRequests.Select(r => $"{r.Stage}={string.Join(",", r.Names)}")));

    private static string Macros(MacroCommand macros)
    {
        var text = new StringBuilder($"MACRO for {(char)macros.ForCommand}:");
        foreach (var pair in macros)
            text.Append(' ').Append(pair.GetName()).Append('=').Append(Quote(pair.GetValue()));
        return text.ToString();
    }

    private static string Connect(ConnectCommand connect) =>
        string.Create(CultureInfo.InvariantCulture, $"CONNECT host={Quote(connect.GetHostName())} family={connect.Family} port={connect.Port} address={Quote(connect.GetAddress())}");

    private static string Envelope(MilterCommandCode code, EnvelopeCommand envelope) =>
        $"{(code == MilterCommandCode.Mail ? "MAIL" : "RCPT")} {envelope.GetAddress()} {string.Join(" ", envelope.GetArguments())}".TrimEnd();

    private static string Header(HeaderCommand header) => $"HEADER {header.GetName()}: {Quote(header.GetValue())}";

    /// <summary>A string in double quotes with control characters escaped, cut after 60 characters.</summary>
    private static string Quote(string text)
    {
        var shown = new StringBuilder("\"");
        foreach (var c in text.Length > 60 ? text[..60] : text)
        {
            shown.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                '\0' => "\\0",
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => c.ToString(),
            });
        }

        shown.Append('"');
        return text.Length > 60 ? shown.Append(CultureInfo.InvariantCulture, $"...({text.Length} chars)").ToString() : shown.ToString();
    }
}
