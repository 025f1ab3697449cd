using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>Our milter and a private Sendmail 8.17 that uses it (INPUT_MAIL_FILTER, F=T), once for all the Sendmail tests.</summary>
public sealed class SendmailFixture : MtaFixture
{
    private protected override string? Unavailable() => SendmailInstance.Unavailable();

    private protected override async Task<MtaInstance> StartAsync(int[] ourPorts, int? referencePort) =>
        await SendmailInstance.StartAsync([.. ourPorts, .. referencePort is { } port ? new[] { port } : []]);
}

/// <summary>The shared cases behind a real Sendmail 8.17, and what only Sendmail does.</summary>
public sealed class SendmailTests(SendmailFixture fixture) : MtaTests(fixture), IClassFixture<SendmailFixture>
{
    private SendmailInstance Sendmail => (SendmailInstance)Mta;

    internal override Milter.Client.MtaProfile ClientProfile => Milter.Client.MtaProfile.Sendmail;

    // Sendmail changes the sender though it refuses the argument, and does not add the recipient at all; for the refused
    // recipient argument its milter.c prints a debug line onto the SMTP client's connection.
    private protected override void UncheckedArgumentsOutcome(
        (DeliveredMessage Delivered, IReadOnlyList<string> StrayLines) sender, (DeliveredMessage Delivered, IReadOnlyList<string> StrayLines) recipient)
    {
        Assert.Equal("<py-sender@origin.test>", sender.Delivered.Sender);
        Assert.DoesNotContain("XFOO", sender.Delivered.SenderArguments, StringComparison.Ordinal);
        Assert.Equal(["<rcpt@dest.test>"], recipient.Delivered.Recipients);
        Assert.Empty(sender.StrayLines);
        Assert.Equal(["olderrors=0, Errors=1"], recipient.StrayLines);
    }

    // Sendmail shows the milters none of the headers it generates; an add or change takes the place of its own. It
    // delivers no Resent- header in a message that arrived without one, whoever adds it (libmilter's too).
    private protected override int Copies(string operation, string name, bool present) => operation switch
    {
        "delete" => 0,
        _ when name == "Resent-Date" && !present => 0,
        "add" => present ? 2 : 1,
        _ => 1,
    };

    [Fact]
    public async Task A_discarded_message_is_accepted_and_never_delivered()
    {
        var sendmail = Sendmail;
        var queueId = await SendAcceptedAsync("discard");
        // Sendmail logs the milter's verdict and then the recipient with stat=discarded.
        await sendmail.WaitForLogAsync(queueId, "milter=tests, discard");
        await sendmail.WaitForLogAsync(queueId, "to=<rcpt@dest.test>, .*stat=discarded");
        Assert.DoesNotContain("stat=Sent", string.Join('\n', sendmail.MailLog.Split('\n').Where(l => l.Contains(queueId, StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sendmail_keeps_a_quarantined_message_in_its_queue_with_the_milter_reason()
    {
        var sendmail = Sendmail;
        var queueId = await SendAcceptedAsync("quarantine");
        await sendmail.WaitForLogAsync(queueId, "milter=tests, quarantine=held by the test milter");
        var listing = await sendmail.QuarantineListingAsync();
        Assert.Contains(queueId, listing, StringComparison.Ordinal);
        Assert.Contains("QUARANTINE: held by the test milter", listing, StringComparison.Ordinal);
    }
}
