// actions: RecipientRewriter = AddRecipients, DeleteRecipients, ChangeSender
// runs: RecipientRewriter = Continue; DeleteRecipient, AddRecipient, ChangeSender
// Envelope rewriting through extension methods in a helper class, with a map from configuration.
namespace Corpus.Envelope;

public static class EnvelopeEdits
{
    public static void Redirect(this EndOfMessageContext message, string from, string to)
    {
        message.DeleteRecipient(from);
        message.AddRecipient(to);
    }

    public static void Bounce(this EndOfMessageContext message, string address) => message.ChangeSender(address);
}

[MailFilter("rewriter")]
public sealed partial class RecipientRewriter(IReadOnlyDictionary<string, string> aliases)
{
    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        var moved = message.Recipients
            .Select(r => r.Address.Trim('<', '>').ToLowerInvariant())
            .Where(aliases.ContainsKey)
            .ToList();
        moved.ForEach(address => message.Redirect($"<{address}>", $"<{aliases[address]}>"));
        if (moved.Count > 0 && message.Sender is { Address: "" })
            message.Bounce("<postmaster@example.org>");
        return MilterVerdict.Continue;
    }
}
