using System.Text;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// One milter for every Postfix case: the message's X-Case header says what to do at end of message, so a
/// single Postfix instance serves all the tests. Written in the attribute style: the generator infers every
/// action from the calls below and negotiates the header step as no-reply.
/// </summary>
[MailFilter("scenario")]
internal sealed partial class ScenarioMilter
{
    public const int ReplacementBodyLines = 1500;

    private readonly List<string> _seen = [];
    private string? _case;
    private int _ended;
    private int _aborted;

    /// <summary>The replacement body: over 64 KiB, so it takes several REPLBODY packets.</summary>
    public static string ReplacementBody { get; } = string.Concat(Enumerable.Range(0, ReplacementBodyLines)
        .Select(i => $"Replacement line {i:D4}: the milter rewrote this body completely.\r\n"));

    /// <summary>Asked for (without a reply) so the milter sees transactions that end before DATA, and their ABORT.</summary>
    [OnMail]
    public void Mail(Sender sender)
    {
        _case = null;
        _seen.Clear();
    }

    /// <summary>Refuses refused@dest.test, so <see cref="EndOfMessageContext.MessageRecipients"/> has a refusal to show.</summary>
    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient) =>
        recipient.Address == "refused@dest.test" ? MilterVerdict.Reject(550, "5.7.1", "Refused by the test milter") : MilterVerdict.Continue;

    [OnHeader]
    public void Header(string name, string value)
    {
        _seen.Add(name);
        if (name.Equals("X-Case", StringComparison.OrdinalIgnoreCase))
            _case = value;
    }

    [OnAbort]
    public void Abort()
    {
        _case = null;
        _aborted++;
    }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        var scenario = _case;
        _case = null;
        _ended++;
        var verdict = MilterVerdict.Continue;
        // The libmilter reference milter's cases, and the generated-header cases.
        if (scenario?.StartsWith("py ", StringComparison.Ordinal) == true || GeneratedHeaderCases.Apply(scenario, _seen, message))
            return verdict;
        switch (scenario)
        {
            case "add-header":
                message.AddHeader("X-Added", "added by the milter");
                break;
            case "change-header":
                message.ChangeHeader("Subject", "changed by the milter");
                break;
            case "count-events":
                // What this connection's handlers saw before this message: the same behind every MTA.
                message.AddHeader("X-Events", $"ended={_ended - 1} aborted={_aborted}");
                break;
            case "change-sender-with-arguments":
                message.ChangeSender("<new-sender@origin.test>", "RET=HDRS ENVID=test-envid");
                break;
            case "fold":
                message.AddHeader("X-Milter-Folded", "line one\n\tline two");
                break;
            case "change-first-copy":
                message.ChangeHeader("X-Dup", "changed", 1);
                break;
            case "change-second-copy":
                message.ChangeHeader("X-Dup", "changed", 2);
                break;
            case "delete-then-add":
                message.DeleteHeader("Subject");
                message.AddHeader("Subject", "replaced");
                break;
            case "delete-first-then-change-first":
                message.DeleteHeader("X-Dup", 1);
                message.ChangeHeader("X-Dup", "changed", 1);
                break;
            case "insert-below-received":
                message.InsertHeader(1, "X-Inserted", "below the MTA's Received");
                message.InsertHeader(3, "X-Inserted-Later", "after From");
                break;
            case "insert-past-the-end":
                message.InsertHeader(1000, "X-Inserted", "at the end");
                break;
            case "change-missing":
                message.ChangeHeader("X-Missing", "now here");
                break;
            case "spaces-in-value":
                message.AddHeader("X-Spaced", "  two leading spaces");
                message.ChangeHeader("X-Dup", " one leading space");
                break;
            case "insert-header":
                message.InsertHeader(0, "X-Inserted", "at the very top");
                break;
            case "delete-header":
                message.DeleteHeader("X-Remove-Me");
                break;
            case "change-sender":
                message.ChangeSender("<new-sender@origin.test>");
                break;
            case "add-recipient-with-arguments":
                message.AddRecipient("<added@dest.test>", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;original@dest.test");
                break;
            case "esmtp-arguments-per-mta":
                // What one MTA keeps and the other does not (BODY for a new sender), and what neither keeps (XFOO).
                // MILTER022 reports these constants at compile time; the runtime's refusal behind a real MTA is what this tests.
#pragma warning disable MILTER022
                try
                {
                    message.ChangeSender("<new-sender@origin.test>", "BODY=8BITMIME RET=HDRS");
                }
                catch (ArgumentException e)
                {
                    message.AddHeader("X-Refused-Sender", e.Message);
                }

                try
                {
                    message.AddRecipient("<added@dest.test>", "NOTIFY=NEVER XFOO=1");
                }
                catch (ArgumentException e)
                {
                    message.AddHeader("X-Refused-Recipient", e.Message);
                }
#pragma warning restore MILTER022

                break;
            case "recipient-view":
                message.AddHeader("X-Recipients", string.Join("; ", message.MessageRecipients.Select(r => $"{r} [{string.Join(' ', r.Arguments)}]")));
                break;
            case "recipients":
                message.AddRecipient("<added@dest.test>");
                message.DeleteRecipient("<removed@dest.test>");
                break;
            case "replace-body":
                message.ReplaceBody(Encoding.ASCII.GetBytes(ReplacementBody));
                break;
            case "reject":
                verdict = MilterVerdict.Reject(554, "5.7.1", "Rejected by the test milter", "Second line of the reply, 100% sure");
                break;
            case "tempfail":
                verdict = MilterVerdict.Tempfail();
                break;
            case "discard":
                verdict = MilterVerdict.Discard;
                break;
            case "quarantine":
                message.Quarantine("held by the test milter");
                break;
            default:
                message.AddHeader("X-Stamp", "passed");
                break;
        }

        return verdict;
    }
}
