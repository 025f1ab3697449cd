using System.Net;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.IntegrationTests;

/// <summary>
/// A milter with message limits behind a private Postfix, once for the class: 2 recipients with the limit's own reply,
/// 20,000 bytes with a reply of the site's.
/// </summary>
public sealed class MessageLimitsPostfixFixture : IAsyncLifetime
{
    private MilterServer? _milter;

    internal PostfixInstance? Postfix { get; private set; }

    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        SkipReason = PostfixInstance.Unavailable();
        if (SkipReason is not null)
            return;
        // A filter that reads every step and changes nothing: what it is shown, the limits first saw.
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new PassingHandler());
        var options = new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } };
        options.Limits.MaxRecipients = 2;
        options.Limits.MaxMessageSize = 20_000;
        options.Limits.MaxMessageSizeVerdict = LimitVerdict.Reject("552 5.3.4 Message too big for this site");
        _milter = new MilterServer(factory, options);
        await _milter.StartAsync();
        Postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{((IPEndPoint)_milter.Addresses[0].EndPoint).Port}");
    }

    private sealed class PassingHandler : IMilterHandler;

    public async ValueTask DisposeAsync()
    {
        if (Postfix is not null)
            await Postfix.DisposeAsync();
        if (_milter is not null)
            await _milter.DisposeAsync();
    }
}

/// <summary>
/// Postfix gives the SMTP client the replies the limits configure: at RCPT for a recipient too many (the message goes on
/// to the others), at MAIL for a declared SIZE= too big, at the end of DATA for bytes too many; a message within the
/// limits is delivered byte for byte as sent.
/// </summary>
public sealed class MessageLimitsPostfixTests(MessageLimitsPostfixFixture fixture) : IClassFixture<MessageLimitsPostfixFixture>
{
    private const string Headers = "From: <sender@origin.test>\nTo: <a@dest.test>\nSubject: within the limits\nDate: Mon, 7 Dec 2026 15:00:00 +0000\nMessage-Id: <limits@origin.test>\n";

    private PostfixInstance Postfix
    {
        get
        {
            if (fixture.SkipReason is not null)
                Assert.Skip(fixture.SkipReason);
            return fixture.Postfix!;
        }
    }

    [Fact]
    public async Task A_recipient_past_the_limit_gets_452_4_5_3_from_Postfix_and_the_message_goes_to_the_others()
    {
        var postfix = Postfix;
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);

        var third = await smtp.SendAsync("sender@origin.test", ["a@dest.test", "b@dest.test", "c@dest.test"], Headers + "\nTo two of three.\n");
        Assert.Equal(250, (await smtp.CommandAsync("RSET")).Code);
        var answer = await smtp.SendAsync("sender@origin.test", ["a@dest.test", "b@dest.test", "c@dest.test"], Headers + "\nTo two of three.\n",
            goOnAfterRefusedRecipients: true);

        Assert.Equal(452, third.Code);
        Assert.Equal(["4.5.3 Too many recipients (limit 2 per message)"], third.Lines);
        Assert.Equal(250, answer.Code);
        var message = await postfix.WaitForDeliveryAsync(postfix.QueueIdOf(answer));
        Assert.Equal(["<a@dest.test>", "<b@dest.test>"], message.Recipients.Order());
    }

    [Fact]
    public async Task A_declared_SIZE_past_the_limit_gets_552_5_3_4_at_MAIL()
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(Postfix.SmtpPort);

        var mail = await smtp.CommandAsync("MAIL FROM:<sender@origin.test> SIZE=20001");

        Assert.Equal(552, mail.Code);
        Assert.Equal(["5.3.4 Message too big for this site"], mail.Lines);
    }

    [Fact]
    public async Task A_message_past_the_size_gets_552_5_3_4_at_the_end_of_DATA_and_is_not_queued()
    {
        var postfix = Postfix;
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
        var body = string.Concat(Enumerable.Repeat(new string('x', 76) + "\n", 300));

        var answer = await smtp.SendAsync("sender@origin.test", ["a@dest.test"], Headers + "\n" + body);

        Assert.Equal(552, answer.Code);
        Assert.Equal(["5.3.4 Message too big for this site"], answer.Lines);
        Assert.Matches(@"milter-reject: END-OF-MESSAGE from [^;]*: 5\.3\.4 Message too big for this site", postfix.MailLog);
    }

    [Fact]
    public async Task A_message_within_the_limits_is_delivered_unchanged()
    {
        var postfix = Postfix;
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
        var sent = Headers + "\n" + string.Concat(Enumerable.Repeat(new string('y', 76) + "\n", 200));

        var answer = await smtp.SendAsync("sender@origin.test", ["a@dest.test", "b@dest.test"], sent);

        Assert.Equal(250, answer.Code);
        var delivered = await postfix.WaitForRawDeliveryAsync(postfix.QueueIdOf(answer));
        // Postfix's own Received: on top (which the limits counted too), then the message exactly as sent.
        Assert.Matches(@"^Received: from client\.harness\.test .*\n(\s.*\n)*" + Regex.Escape(sent.TrimEnd('\n')) + "$", delivered.TrimEnd('\n'));
    }
}
