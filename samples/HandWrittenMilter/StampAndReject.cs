using Milter;

namespace HandWrittenMilter;

/// <summary>One instance per SMTP connection: rejects one recipient, stamps every message that gets through.</summary>
internal sealed class StampAndReject(string rejectedRecipient) : MilterHandler
{
    public override ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken)
    {
        var verdict = recipient.Address.Equals(rejectedRecipient, StringComparison.OrdinalIgnoreCase)
            ? MilterVerdict.Reject(550, "5.7.1", $"Mail to {recipient.Address} is not accepted here", "Contact postmaster for details")
            : MilterVerdict.Continue;
        return ValueTask.FromResult(verdict);
    }

    public override ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
    {
        message.AddHeader("X-Milter-Stamp", $"checked by Milter for .NET, {message.Recipients.Count} recipient(s)");
        return ValueTask.FromResult(MilterVerdict.Accept);
    }
}
