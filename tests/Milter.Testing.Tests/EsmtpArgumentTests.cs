using Milter.Client;
using Milter.Protocol;
using MimeKit;

namespace Milter.Testing.Tests;

/// <summary>Changes the sender or adds a recipient with the ESMTP arguments its headers name, and reports a refusal in X-Refused.</summary>
[MailFilter("esmtp-arguments")]
public partial class EsmtpArgumentFilter
{
    private string? _senderArguments;
    private string? _recipientArguments;

    [OnHeader]
    public void Header(string name, string value)
    {
        if (name == "X-Sender-Args")
            _senderArguments = value.Trim();
        else if (name == "X-Rcpt-Args")
            _recipientArguments = value.Trim();
    }

    [OnEndOfMessage]
    public void End(EndOfMessageContext message)
    {
        try
        {
            if (_senderArguments is { } sender)
                message.ChangeSender("<new@example.org>", sender);
            if (_recipientArguments is { } recipient)
                message.AddRecipient("<added@example.net>", recipient);
        }
        catch (ArgumentException e)
        {
            message.AddHeader("X-Refused", $"{e.ParamName}: {e.Message}");
        }
    }
}

public class EsmtpArgumentTests
{
    public static TheoryData<string, string?, string?, string?> Cases => new()
    {
        // profile, sender arguments, recipient arguments, what the refusal says (null: sent as given)
        { "postfix", "RET=HDRS ENVID=a+2Bb", null, null },
        { "postfix", "SIZE=100", null, "Postfix does not keep the ESMTP argument \"SIZE=100\"" },
        { "postfix", "BODY=8BITMIME", null, "a new sender keeps only RET and ENVID" },
        { "sendmail", "SIZE=100 BODY=8BITMIME RET=FULL", null, null },
        { "sendmail", "XFOO=1", null, "Sendmail does not keep the ESMTP argument \"XFOO=1\"" },
        { "full", "SIZE=100", null, null },
        { "full", "XFOO=1", null, "the MTA is not recognised yet" },
        { "postfix", "RET=SOME", null, "RET takes FULL or HDRS" },
        { "postfix", "ENVID=a+b", null, "ENVID takes 1 to 100 characters of xtext" },
        { "postfix", "RET==HDRS", null, "is not KEYWORD or KEYWORD=value" },
        { "postfix", null, "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;someone@example.net", null },
        { "sendmail", null, "NOTIFY=NEVER", null },
        { "sendmail", null, "NOTIFY=NEVER,DELAY", "NOTIFY takes NEVER, or one or more of SUCCESS, FAILURE and DELAY" },
        { "postfix", null, "ORCPT=someone@example.net", "ORCPT takes TYPE;xtext" },
        { "sendmail", null, "RET=HDRS", "Sendmail does not keep the ESMTP argument \"RET=HDRS\" (an added recipient keeps only NOTIFY and ORCPT)" },
        { "full", null, "SIZE=1", "an added recipient keeps only NOTIFY and ORCPT" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Arguments_the_MTA_would_drop_or_refuse_fail_the_call_and_naming_the_argument_and_the_MTA(
        string profile, string? senderArguments, string? recipientArguments, string? refusal)
    {
        await using var test = MilterTest.For<EsmtpArgumentFilter>(profile: MtaProfile.FromName(profile));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.Subject = "arguments";
        if (senderArguments is not null)
            message.Headers.Add("X-Sender-Args", senderArguments);
        if (recipientArguments is not null)
            message.Headers.Add("X-Rcpt-Args", recipientArguments);
        message.Body = new TextPart("plain") { Text = "Hello." };

        var result = await test.SendAsync(message, "sender@example.org", "rcpt@example.net");

        Assert.True(result.Accepted);
        if (refusal is null)
        {
            Assert.Null(result.Message!.Headers["X-Refused"]);
            if (senderArguments is not null)
                Assert.Contains(new ChangeSenderResponse("<new@example.org>", senderArguments), result.Actions);
            if (recipientArguments is not null)
                Assert.Contains(new AddRecipientWithParametersResponse("<added@example.net>", recipientArguments), result.Actions);
        }
        else
        {
            // Behind Sendmail the runtime sends the header as an insert; the delivered message is what counts.
            var refused = result.Message!.Headers["X-Refused"];
            Assert.Contains(refusal, refused, StringComparison.Ordinal);
            Assert.StartsWith("esmtpArguments: ", refused, StringComparison.Ordinal);
            Assert.DoesNotContain(result.Actions, a => a is ChangeSenderResponse or AddRecipientWithParametersResponse);
        }
    }
}
