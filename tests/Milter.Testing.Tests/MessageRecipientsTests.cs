using Milter.Client;
using Milter.Protocol;
using MimeKit;

namespace Milter.Testing.Tests;

/// <summary>Refuses blocked@ at RCPT and writes what <see cref="EndOfMessageContext.MessageRecipients"/> says into X-Recipients.</summary>
[MailFilter("recipient-view", RejectedRecipients = true)]
public partial class RecipientViewFilter
{
    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient) =>
        recipient.Address.StartsWith("blocked@", StringComparison.Ordinal) ? MilterVerdict.Reject(550, "5.7.1", "Blocked") : MilterVerdict.Continue;

    [OnEndOfMessage]
    public void End(EndOfMessageContext message) =>
        message.AddHeader("X-Recipients", string.Join("; ", message.MessageRecipients.Select(r => $"{r} [{string.Join(' ', r.Arguments)}]")));
}

public class MessageRecipientsTests
{
    [Fact]
    public async Task Each_recipient_comes_without_angle_brackets_with_its_arguments_and_whether_it_was_refused_by_the_filter()
    {
        await using var test = MilterTest.For<RecipientViewFilter>();
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.Body = new TextPart("plain") { Text = "Hello." };

        var result = await test.SendAsync(message, new Envelope("sender@example.org", ["one@example.net", "blocked@example.net", "two@example.net"]),
            TestContext.Current.CancellationToken);

        result.AssertHeaderAdded("X-Recipients",
            "one@example.net (Accepted) []; blocked@example.net (RefusedByFilter) []; two@example.net (Accepted) []");
        Assert.Equal(["blocked@example.net"], result.RefusedRecipients);
    }

    [Fact]
    public async Task A_recipient_Sendmail_refused_itself_is_marked_refused_by_the_MTA()
    {
        await using var test = MilterTest.For<RecipientViewFilter>(profile: MtaProfile.Sendmail);
        var client = test.Client;
        var ct = TestContext.Current.CancellationToken;
        await client.NegotiateAsync(ct);
        await client.ConnectAsync("client.example.org", ConnectionFamily.IPv4, 25, "192.0.2.1", cancellationToken: ct);
        await client.MailAsync("<sender@example.org>", cancellationToken: ct);
        await client.RcptAsync("<ok@example.net>", ["NOTIFY=NEVER"], [new("{rcpt_mailer}", "relay")], ct);
        // Sendmail shows a recipient it refused, with the mailer "error", to a filter that asked for SMFIP_RCPT_REJ.
        await client.RcptAsync("<unknown@example.net>", null, [new("{rcpt_mailer}", "error")], ct);
        await client.RcptAsync("<blocked@example.net>", null, [new("{rcpt_mailer}", "relay")], ct);
        await client.DataAsync(cancellationToken: ct);
        await client.HeaderAsync("Subject", "view", cancellationToken: ct);
        await client.EndOfHeadersAsync(cancellationToken: ct);
        var answer = await client.EndOfMessageAsync(cancellationToken: ct);

        var added = Assert.Single(answer.Actions);
        Assert.Equal("ok@example.net (Accepted) [NOTIFY=NEVER]; unknown@example.net (RefusedByMta) []; blocked@example.net (RefusedByFilter) []",
            added switch { AddHeaderResponse a => a.Value, InsertHeaderResponse i => i.Value, _ => added.ToString() });
    }
}
