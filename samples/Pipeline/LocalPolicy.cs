using Milter;

namespace Pipeline;

/// <summary>The site's own policy, live: refuses mail to no-reply addresses and marks what it checked.</summary>
[MailFilter("local-policy")]
public partial class LocalPolicy
{
    [OnRcpt]
    public MilterVerdict Rcpt(string recipient) =>
        recipient.StartsWith("noreply@", StringComparison.OrdinalIgnoreCase)
            ? MilterVerdict.Reject(550, "5.1.1", "this address receives no mail")
            : MilterVerdict.Continue;

    [OnEndOfMessage]
    public void End(EndOfMessageContext message) => message.InsertHeader(1, "X-Local-Policy", "checked");
}
