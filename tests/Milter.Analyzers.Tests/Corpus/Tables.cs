// actions: RuleRunner = AddHeaders, ChangeHeaders, ChangeSender, Quarantine
// runs: RuleRunner = Continue; AddHeader, ChangeHeader, ChangeSender, Quarantine
// Rules kept in tables in another class and run through a local copy, foreach and deconstruction; an async audit
// awaited; an async disposable that quarantines on DisposeAsync (await using); a reply with named arguments and its
// lines as a collection expression.
namespace Corpus.Tables;

public static class Rules
{
    public static readonly IReadOnlyList<Action<EndOfMessageContext>> All =
    [
        m => m.AddHeader("X-Rules", "1"),
        m => m.ChangeHeader("Subject", "[rules] Cheap pills"),
    ];

    public static readonly Dictionary<string, Func<EndOfMessageContext, ValueTask>> Named = new(StringComparer.Ordinal)
    {
        ["bounces"] = m =>
        {
            m.ChangeSender("<bounces@example.org>");
            return ValueTask.CompletedTask;
        },
    };
}

public sealed class HoldScope(EndOfMessageContext message, bool hold) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        if (hold)
            message.Quarantine("held by the rules");
    }
}

[MailFilter("rules")]
public sealed partial class RuleRunner
{
    private static readonly MilterVerdict Busy = MilterVerdict.Tempfail(extendedCode: "4.3.2", code: 451, lines: ["Busy", "try later"]);

    [OnHelo]
    public MilterVerdict Helo(string helo) => helo.Length == 0 ? Busy : MilterVerdict.Continue;

    [OnEndOfMessage]
    public async Task<MilterVerdict> End(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        await using var scope = new HoldScope(message, message.QueueId is not null);
        var rules = Rules.All;
        foreach (var rule in rules)
            rule(message);
        foreach (var (_, rule) in Rules.Named)
            await rule(message);
        await AuditAsync(message, cancellationToken);
        return MilterVerdict.Continue;
    }

    private static async Task AuditAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        await message.SendProgressAsync(cancellationToken);
    }
}
