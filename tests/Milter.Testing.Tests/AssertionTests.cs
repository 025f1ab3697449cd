using MimeKit;

namespace Milter.Testing.Tests;

[MailFilter("policy")]
public partial class PolicyFilter
{
    [OnRcpt]
    public MilterVerdict Rcpt(Recipient rcpt) =>
        rcpt.Address.StartsWith("blocked@", StringComparison.Ordinal) ? MilterVerdict.Reject(550, "5.7.1", "Blocked recipient") : MilterVerdict.Continue;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.DeleteRecipient("<bcc@example.net>");
        message.AddRecipient("<archive@example.net>");
        message.DeleteHeader("X-Internal");
        return MilterVerdict.Accept;
    }
}

public class AssertionTests
{
    private static MimeMessage Message()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.To.Add(MailboxAddress.Parse("rcpt@example.net"));
        message.Subject = "policy";
        message.Headers.Add("X-Internal", "secret");
        message.Body = new TextPart("plain") { Text = "Hello." };
        return message;
    }

    [Fact]
    public async Task Recipient_and_header_changes()
    {
        await using var test = MilterTest.For<PolicyFilter>();
        var result = await test.SendAsync(Message(), "sender@example.org", "rcpt@example.net", "bcc@example.net");

        result.AssertRecipientRemoved("bcc@example.net");
        result.AssertRecipientAdded("archive@example.net");
        result.AssertHeaderRemoved("X-Internal");
    }

    [Fact]
    public async Task Rejected_with_code()
    {
        await using var test = MilterTest.For<PolicyFilter>();
        var result = await test.SendAsync(Message(), "sender@example.org", "blocked@example.net");

        result.AssertRejected(550, "5.7.1");
        var error = Assert.Throws<MilterAssertionException>(() => result.AssertAccepted());
        Assert.Equal("Expected the message to be accepted, but the milter answered 550 5.7.1 Blocked recipient at Rcpt.", error.Message);
        Assert.Throws<MilterAssertionException>(() => result.AssertRejected(554));
    }
}
