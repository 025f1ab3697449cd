using System.Text;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// The "external" milter of the ExternalMilter tests, a generated filter served by our own MilterServer: it writes what
/// it saw into an X-Report header, and its X-Case header picks its changes and verdicts.
/// </summary>
[MailFilter("relay-target")]
internal sealed partial class RelayTargetMilter
{
    /// <summary>A replacement body over 64 KiB, so it takes two REPLBODY packets.</summary>
    public static readonly string LongBody = string.Concat(Enumerable.Range(0, 1500).Select(i => $"Replacement line {i:D4} of the relayed body.\r\n"));

    private readonly List<string> _seen = [];
    private string _connection = "";
    private string? _case;
    private int _bodyBytes;
    private int _aborts;

    [OnConnect]
    public void Connect(ConnectionInfo client, [Macro("j")] string? j, [Macro("{daemon_name}")] string? daemon) =>
        _connection = $"connect {client.HostName} {client.Family} {client.Port} {client.Address} j={j} daemon={daemon}";

    [OnHelo]
    public void Helo(string heloName) => _connection += $"; helo {heloName}";

    [OnMail]
    public MilterVerdict Mail(Sender sender, [Macro("{auth_authen}")] string? user)
    {
        (_case, _bodyBytes) = (null, 0);
        _seen.Clear();
        _seen.Add($"mail {sender.RawAddress} [{string.Join(' ', sender.Arguments)}] auth={user}");
        return sender.Address.StartsWith("reject@", StringComparison.Ordinal) ? MilterVerdict.Reject() : MilterVerdict.Continue;
    }

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient, [Macro("{rcpt_addr}")] string? address)
    {
        _seen.Add($"rcpt {recipient.RawAddress} rcpt_addr={address}");
        return recipient.Address switch
        {
            "refused@dest.test" => MilterVerdict.Reject(550, "5.7.1", "Refused by the target"),
            "later@dest.test" => MilterVerdict.Tempfail(),
            _ => MilterVerdict.Continue,
        };
    }

    [OnData]
    public void Data([Macro("i")] string? queueId) => _seen.Add($"data i={queueId}");

    [OnHeader]
    public void Header(string name, string value)
    {
        _seen.Add($"header {name}={value}");
        if (name.Equals("X-Case", StringComparison.OrdinalIgnoreCase))
            _case = value;
    }

    [OnEndOfHeaders]
    public void EndOfHeaders() => _seen.Add("eoh");

    [OnBody]
    public MilterVerdict Body(ReadOnlyMemory<byte> chunk)
    {
        _bodyBytes += chunk.Length;
        return _case == "skip" ? MilterVerdict.Skip : MilterVerdict.Continue;
    }

    [OnAbort]
    public void Abort() => _aborts++;

    [OnEndOfMessage]
    public async Task<MilterVerdict> End(EndOfMessageContext message, [Macro("i")] string? queueId, CancellationToken cancellationToken)
    {
        switch (_case)
        {
            case "report":
                message.AddHeader("X-Report", string.Join(" | ", [_connection, .. _seen, $"body {_bodyBytes}", $"eom i={queueId} aborts={_aborts}"]));
                return MilterVerdict.Continue;
            case "all-changes":
                message.AddHeader("X-Added", "one\n\ttwo");
                message.InsertHeader(1, "X-Inserted", "below the Received");
                message.ChangeHeader("Subject", "[relayed] hello");
                message.DeleteHeader("X-Remove-Me");
                message.ChangeSender("<new-sender@origin.test>", "RET=HDRS ENVID=relay-test");
                message.AddRecipient("<added@dest.test>", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;added@dest.test");
                message.AddRecipient("<plain@dest.test>");
                message.DeleteRecipient("<rcpt@dest.test>");
                message.ReplaceBody(Encoding.ASCII.GetBytes(LongBody));
                message.Quarantine("held for review");
                return MilterVerdict.Continue;
            case "slow":
                for (var i = 0; i < 3; i++)
                {
                    await message.SendProgressAsync(cancellationToken);
                    await Task.Delay(100, cancellationToken);
                }

                message.AddHeader("X-Slow", "done");
                return MilterVerdict.Continue;
            case "accept":
                return MilterVerdict.Accept;
            case "discard":
                return MilterVerdict.Discard;
            case "reject":
                return MilterVerdict.Reject(554, "5.7.1", "Rejected by the target", "Second line, 100% sure");
            case "tempfail":
                return MilterVerdict.Tempfail(451, "4.7.1", "Try again later");
            default:
                message.AddHeader("X-Stamp", "passed");
                return MilterVerdict.Continue;
        }
    }
}
