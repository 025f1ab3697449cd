using Milter;

namespace RecipientPolicy;

/// <summary>
/// Decides per recipient: refuses blocked recipients and relaying by unauthenticated, untrusted clients (5xx with
/// multi-line replies), and fails full mailboxes temporarily (4xx). Only one recipient is refused each time; the
/// message goes on for the others. The MTA sends the client address at CONNECT and {auth_authen} at RCPT.
/// </summary>
[MailFilter("recipient-policy")]
public partial class Policy(PolicyRules rules)
{
    private ConnectionInfo? _client;

    [OnConnect]
    public void Connect(ConnectionInfo client) => _client = client;

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient, [Macro("{auth_authen}")] string? user)
    {
        var address = recipient.Address;
        var at = address.LastIndexOf('@');
        var domain = at < 0 ? string.Empty : address[(at + 1)..];

        if (rules.BlockedRecipients.Contains(address, StringComparer.OrdinalIgnoreCase))
            return MilterVerdict.Reject(550, "5.1.1", $"<{address}>: this mailbox no longer exists", "Please update your address book.");
        if (rules.FullMailboxes.Contains(address, StringComparer.OrdinalIgnoreCase))
            return MilterVerdict.Tempfail(452, "4.2.2", $"<{address}>: mailbox full, try again later");
        if (!rules.IsLocal(domain) && user is null && !rules.IsTrusted(_client?.IPAddress))
        {
            return MilterVerdict.Reject(554, "5.7.1", $"<{address}>: relay access denied",
                $"Client {_client?.Address ?? "unknown"} is not trusted and did not authenticate.", "Authenticate (SMTP AUTH) to send mail to other domains.");
        }

        return MilterVerdict.Continue;
    }
}
