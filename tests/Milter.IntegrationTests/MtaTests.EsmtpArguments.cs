using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>ESMTP arguments of envelope changes, and the typed recipient view, behind each real MTA.</summary>
public abstract partial class MtaTests
{
    [Fact]
    public async Task A_recipient_is_added_with_NOTIFY_and_ORCPT_and_both_are_relayed()
    {
        var delivered = await DeliverAsync("add-recipient-with-arguments");
        Assert.Equal(["<added@dest.test>", "<rcpt@dest.test>"], delivered.Recipients.Order());
        var arguments = delivered.RecipientArguments["<added@dest.test>"].Split(' ');
        Assert.Contains("NOTIFY=SUCCESS,FAILURE", arguments);
        Assert.Contains("ORCPT=rfc822;original@dest.test", arguments);
    }

    [Fact]
    public async Task ESMTP_arguments_this_MTA_would_not_keep_fail_the_call_naming_the_argument_and_the_MTA()
    {
        var delivered = await DeliverAsync("esmtp-arguments-per-mta");
        var mta = ClientProfile.Kind.ToString();

        // Neither keeps XFOO for a recipient: the call fails at once and names the MTA the runtime recognised.
        Assert.Contains($"AddRecipient: {mta} does not keep the ESMTP argument \"XFOO=1\"", delivered.Header("X-Refused-Recipient"), StringComparison.Ordinal);
        Assert.Equal(["<rcpt@dest.test>"], delivered.Recipients);
        if (ClientProfile.Kind == MtaKind.Postfix)
        {
            // Postfix keeps only RET and ENVID for a new sender.
            Assert.Contains("ChangeSender: Postfix does not keep the ESMTP argument \"BODY=8BITMIME\"", delivered.Header("X-Refused-Sender"), StringComparison.Ordinal);
            Assert.Equal("<sender@origin.test>", delivered.Sender);
        }
        else
        {
            // Sendmail reads BODY as a MAIL parameter.
            Assert.Null(delivered.Header("X-Refused-Sender"));
            Assert.Equal("<new-sender@origin.test>", delivered.Sender);
            Assert.Contains("RET=HDRS", delivered.SenderArguments.Split(' '));
        }
    }

    [Fact]
    public async Task MessageRecipients_shows_each_recipient_without_brackets_with_its_arguments_and_the_filter_refusal()
    {
        var mta = Mta;
        await using var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test", "refused@dest.test", "second@dest.test NOTIFY=NEVER"],
            Message("recipient-view"), goOnAfterRefusedRecipients: true);
        Assert.Equal(250, answer.Code);
        var delivered = await mta.WaitForDeliveryAsync(mta.QueueIdOf(answer));

        Assert.Equal("rcpt@dest.test (Accepted) []; refused@dest.test (RefusedByFilter) []; second@dest.test (Accepted) [NOTIFY=NEVER]",
            delivered.Header("X-Recipients"));
        Assert.Equal(["<rcpt@dest.test>", "<second@dest.test>"], delivered.Recipients.Order());
    }

    /// <summary>
    /// What the MTA does with arguments the runtime refuses, shown with the libmilter reference, which sends them
    /// unchecked: <c>XFOO=1</c> on a new sender and on an added recipient.
    /// </summary>
    [Fact]
    public async Task Arguments_the_MTA_does_not_keep_are_dropped_or_refused_when_sent_unchecked_by_libmilter()
    {
        var mta = Mta;
        if (fixture.ReferenceSkipReason is { } reason)
            Assert.Skip(reason);
        var sender = await SendUncheckedAsync(mta, "py chgfrom XFOO=1");
        var recipient = await SendUncheckedAsync(mta, "py addrcpt XFOO=1");
        UncheckedArgumentsOutcome(sender, recipient);
    }

    private static async Task<(DeliveredMessage Delivered, IReadOnlyList<string> StrayLines)> SendUncheckedAsync(MtaInstance mta, string scenario)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort);
        var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message(scenario));
        Assert.Equal(250, answer.Code);
        return (await mta.WaitForDeliveryAsync(mta.QueueIdOf(answer)), [.. smtp.StrayLines]);
    }

    /// <summary>
    /// What this MTA delivered for a new sender and an added recipient that libmilter sent with XFOO=1, and the lines it
    /// wrote to the SMTP client that are no SMTP reply.
    /// </summary>
    private protected abstract void UncheckedArgumentsOutcome(
        (DeliveredMessage Delivered, IReadOnlyList<string> StrayLines) sender, (DeliveredMessage Delivered, IReadOnlyList<string> StrayLines) recipient);
}
