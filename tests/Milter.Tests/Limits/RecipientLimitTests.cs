using Milter.Protocol;

namespace Milter.Tests.Limits;

/// <summary>MaxRecipients: counted on the recipients the MTA and the handler accepted, each one past it refused at RCPT.</summary>
public class RecipientLimitTests
{
    private static async Task<List<MilterResponse?>> RecipientsAsync(LimitTestRig rig, params string[] recipients)
    {
        await rig.Client.NegotiateAsync();
        await rig.Client.ConnectAsync("client.example", ConnectionFamily.IPv4, 50025, "192.0.2.1");
        await rig.Client.HeloAsync("client.example");
        await rig.Client.MailAsync("<sender@origin.test>");
        var answers = new List<MilterResponse?>();
        foreach (var recipient in recipients)
            answers.Add(await rig.Client.RcptAsync($"<{recipient}>"));
        return answers;
    }

    [Fact]
    public async Task Recipients_up_to_the_limit_pass_and_each_one_past_it_gets_452_4_5_3_without_the_handler_seeing_it()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 2 });

        var answers = await RecipientsAsync(rig, "a@dest.test", "b@dest.test", "c@dest.test", "d@dest.test");

        Assert.Equal(MilterResponseCode.Continue, answers[0]!.Code);
        Assert.Equal(MilterResponseCode.Continue, answers[1]!.Code);
        Assert.Equal("452 4.5.3 Too many recipients (limit 2 per message)", LimitTestRig.ReplyOf(answers[2]!));
        Assert.Equal("452 4.5.3 Too many recipients (limit 2 per message)", LimitTestRig.ReplyOf(answers[3]!));
        Assert.Equal(["mail <sender@origin.test>", "rcpt <a@dest.test>", "rcpt <b@dest.test>"], rig.MessageCalls);
    }

    [Fact]
    public async Task A_message_with_exactly_the_limit_goes_through_and_one_more_is_refused_while_the_message_goes_on()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 2 });

        var atLimit = await rig.SendAsync(LimitTestRig.Message(), ["a@dest.test", "b@dest.test"]);
        var overLimit = await rig.SendAsync(LimitTestRig.Message(), ["a@dest.test", "b@dest.test", "c@dest.test"]);

        Assert.True(atLimit.Accepted);
        Assert.Empty(atLimit.RefusedRecipients);
        Assert.True(overLimit.Accepted);
        Assert.Equal(["c@dest.test"], overLimit.RefusedRecipients);
        Assert.Equal(2, overLimit.Delivered!.Recipients.Count);
        Assert.Equal(2, rig.Calls.Count(c => c == "eom"));
        Assert.DoesNotContain("rcpt <c@dest.test>", rig.Calls);
    }

    [Fact]
    public async Task A_recipient_the_handler_refused_does_not_count()
    {
        var refuseFirst = true;
        await using var refusing = new LimitTestRig(new MessageLimits { MaxRecipients = 1 }, setup: h => h.Verdicts[MilterSteps.Rcpt] = () =>
        {
            var verdict = refuseFirst ? MilterVerdict.Reject(550, "5.1.1", "no such user") : MilterVerdict.Continue;
            refuseFirst = false;
            return verdict;
        });

        var answers = await RecipientsAsync(refusing, "nobody@dest.test", "a@dest.test", "b@dest.test");

        Assert.Equal("550 5.1.1 no such user", LimitTestRig.ReplyOf(answers[0]!));
        Assert.Equal(MilterResponseCode.Continue, answers[1]!.Code);
        Assert.Equal("452 4.5.3 Too many recipients (limit 1 per message)", LimitTestRig.ReplyOf(answers[2]!));
    }

    [Fact]
    public async Task Tempfail_takes_the_configured_reply()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 1, MaxRecipientsVerdict = LimitVerdict.Tempfail("451 4.7.1 Slow down") });

        var answers = await RecipientsAsync(rig, "a@dest.test", "b@dest.test");

        Assert.Equal("451 4.7.1 Slow down", LimitTestRig.ReplyOf(answers[1]!));
    }

    [Fact]
    public async Task Accept_lets_the_whole_message_through_unfiltered_and_the_handler_gets_only_its_abort_close_and_disposal()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 1, MaxRecipientsVerdict = LimitVerdict.Accept() });

        var outcome = await rig.SendAsync(LimitTestRig.Message(), ["a@dest.test", "b@dest.test"]);
        // The MTA sends nothing more of this message; the abort comes with its ABORT.
        await rig.DisposeAsync();

        Assert.Equal(MilterResponseCode.Accept, outcome.Verdict.Code);
        Assert.Equal(MilterSteps.Rcpt, outcome.DecidedAt);
        Assert.True(outcome.Accepted);
        Assert.Equal(["mail <sender@origin.test>", "rcpt <a@dest.test>", "abort", "close", "dispose"], rig.MessageCalls);
    }

    [Fact]
    public async Task The_count_starts_again_with_each_message()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 1 });

        var first = await rig.SendAsync(LimitTestRig.Message(), ["a@dest.test", "b@dest.test"]);
        var second = await rig.SendAsync(LimitTestRig.Message(), ["c@dest.test"]);

        Assert.Equal(["b@dest.test"], first.RefusedRecipients);
        Assert.Empty(second.RefusedRecipients);
        Assert.True(second.Accepted);
    }

    [Fact]
    public async Task A_recipient_the_MTA_refused_itself_is_shown_to_the_handler_but_neither_counted_nor_refused()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 2 }, new MilterDescription { RejectedRecipients = true },
            profile: Milter.Client.MtaProfile.Sendmail);
        await RecipientsAsync(rig);

        var first = await rig.Client.RcptAsync("<a@dest.test>");
        var refusedByMta = await rig.Client.RcptAsync("<unknown@dest.test>", macros: [new("{rcpt_mailer}", "error")]);
        var second = await rig.Client.RcptAsync("<b@dest.test>");
        var third = await rig.Client.RcptAsync("<c@dest.test>");

        Assert.Equal([MilterResponseCode.Continue, MilterResponseCode.Continue, MilterResponseCode.Continue], [first!.Code, refusedByMta!.Code, second!.Code]);
        Assert.Equal("452 4.5.3 Too many recipients (limit 2 per message)", LimitTestRig.ReplyOf(third!));
        Assert.Contains("rcpt <unknown@dest.test>", rig.Calls);
    }

    [Fact]
    public async Task After_an_accept_at_RCPT_an_MTA_that_still_sends_the_message_gets_continue_and_the_handler_one_abort()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 1, MaxRecipientsVerdict = LimitVerdict.Accept() });
        var answers = await RecipientsAsync(rig, "a@dest.test", "b@dest.test");

        var data = await rig.Client.DataAsync();
        var header = await rig.Client.HeaderAsync("Subject", "hi");
        var end = await rig.Client.EndOfMessageAsync();

        Assert.Equal(MilterResponseCode.Accept, answers[1]!.Code);
        Assert.Equal([MilterResponseCode.Continue, MilterResponseCode.Continue, MilterResponseCode.Continue], [data!.Code, header!.Code, end.Verdict.Code]);
        Assert.Equal(["mail <sender@origin.test>", "rcpt <a@dest.test>", "abort"], rig.MessageCalls);
    }
}
