using System.Text;
using Milter.Protocol;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// One milter for every Postfix case: the message's X-Case header says what to do at end of message, so a
/// single Postfix instance serves all the tests.
/// </summary>
internal sealed class ScenarioMilter : MilterHandler
{
    public const int ReplacementBodyLines = 1500;

    private string? _case;

    public static MilterDescription Description { get; } = new()
    {
        Steps = MilterSteps.Header,
        NoReplySteps = MilterSteps.Header,
        Actions = ActionFlags.All & ~ActionFlags.SetMacroLists,
    };

    public static IMilterHandlerFactory Factory { get; } = MilterHandlerFactory.Create(Description, () => new ScenarioMilter());

    /// <summary>The replacement body: over 64 KiB, so it takes several REPLBODY packets.</summary>
    public static string ReplacementBody { get; } = string.Concat(Enumerable.Range(0, ReplacementBodyLines)
        .Select(i => $"Replacement line {i:D4}: the milter rewrote this body completely.\r\n"));

    public override ValueTask<MilterVerdict> OnHeaderAsync(MilterContext context, string name, string value, CancellationToken cancellationToken)
    {
        if (name.Equals("X-Case", StringComparison.OrdinalIgnoreCase))
            _case = value;
        return Continue;
    }

    public override ValueTask OnAbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _case = null;
        return ValueTask.CompletedTask;
    }

    public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        var scenario = _case;
        _case = null;
        var verdict = MilterVerdict.Continue;
        switch (scenario)
        {
            case "add-header":
                message.AddHeader("X-Added", "added by the milter");
                break;
            case "change-header":
                message.ChangeHeader("Subject", "changed by the milter");
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

        return ValueTask.FromResult(verdict);
    }
}
