// actions: PolicyChain = AddHeaders, Quarantine, ChangeHeaders
// runs: PolicyChain = Accept; AddHeader, Quarantine, ChangeHeader
// A strategy chain from dependency injection: every implementation is followed.
namespace Corpus.Policies;

public interface IMessagePolicy
{
    ValueTask ApplyAsync(EndOfMessageContext message, CancellationToken cancellationToken);
}

public sealed class SpamScore : IMessagePolicy
{
    public ValueTask ApplyAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        message.AddHeader("X-Spam-Score", "0.0");
        return ValueTask.CompletedTask;
    }
}

public sealed class HoldLarge(long limit) : IMessagePolicy
{
    public async ValueTask ApplyAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        if (message.Recipients.Count > limit)
            message.Quarantine("too many recipients");
    }
}

public abstract class SubjectPolicy : IMessagePolicy
{
    public ValueTask ApplyAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        Tag(message);
        return default;
    }

    protected abstract void Tag(EndOfMessageContext message);
}

public sealed class ExternalTag : SubjectPolicy
{
    protected override void Tag(EndOfMessageContext message) => message.ChangeHeader("Subject", "[EXTERNAL]");
}

[MailFilter("policies")]
public sealed partial class PolicyChain(IEnumerable<IMessagePolicy> policies)
{
    [OnEndOfMessage]
    public async Task<MilterVerdict> End(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        foreach (var policy in policies)
        {
            await policy.ApplyAsync(message, cancellationToken);
            await message.SendProgressAsync(cancellationToken);
        }

        return MilterVerdict.Accept;
    }
}
