namespace Milter.Tests.Limits;

/// <summary>MaxMessageSize (SIZE= at MAIL, then the bytes themselves) and MaxBodyBytes.</summary>
public class SizeLimitTests
{
    // Three 21-byte headers, the blank line, and the body: 65 bytes before the body.
    private const int BeforeBody = 65;

    [Fact]
    public async Task A_declared_SIZE_over_the_limit_is_refused_at_MAIL_with_552_5_3_4_and_the_handler_sees_only_its_abort()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxMessageSize = 1000 });

        var outcome = await rig.SendAsync(LimitTestRig.Message(), mailArguments: ["SIZE=1001"]);

        Assert.Equal(MilterSteps.Mail, outcome.DecidedAt);
        Assert.True(outcome.Rejected);
        Assert.Equal("552 5.3.4 Message too big (limit 1000 bytes)", LimitTestRig.ReplyOf(outcome));
        Assert.Equal(["abort"], rig.MessageCalls);
    }

    [Fact]
    public async Task A_message_of_exactly_the_limit_declared_and_sent_goes_through_to_the_handler()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxMessageSize = 1000 });

        var outcome = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 1000 - BeforeBody), mailArguments: ["SIZE=1000"]);

        Assert.True(outcome.Accepted);
        Assert.Equal(1000 - BeforeBody, outcome.Delivered!.Message.Body.Length);
        Assert.Contains("mail <sender@origin.test> SIZE=1000", rig.Calls);
        Assert.Contains("eom", rig.Calls);
    }

    [Fact]
    public async Task One_byte_more_than_declared_and_the_limit_is_refused_at_the_body_chunk_that_crosses_it()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxMessageSize = 1000 });

        var outcome = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 1001 - BeforeBody), mailArguments: ["SIZE=1000"]);

        Assert.Equal(MilterSteps.Body, outcome.DecidedAt);
        Assert.Equal("552 5.3.4 Message too big (limit 1000 bytes)", LimitTestRig.ReplyOf(outcome));
        Assert.DoesNotContain(rig.Calls, c => c.StartsWith("body", StringComparison.Ordinal));
        Assert.Equal(["eoh", "abort"], rig.MessageCalls[^2..]);
    }

    [Fact]
    public async Task Headers_alone_past_the_size_are_refused_at_end_of_headers_when_the_handler_reads_no_headers()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxMessageSize = BeforeBody - 1 },
            new MilterDescription { Steps = MilterSteps.Mail | MilterSteps.Rcpt });

        var outcome = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 0));

        Assert.Equal(MilterSteps.EndOfHeaders, outcome.DecidedAt);
        Assert.True(outcome.Rejected);
        Assert.Equal(["mail <sender@origin.test>", "rcpt <rcpt@dest.test>", "abort"], rig.MessageCalls);
    }

    [Fact]
    public async Task The_body_at_its_limit_passes_and_one_byte_more_is_refused_without_the_body_handler()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxBodyBytes = 100 });

        var atLimit = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 100));
        var callsBefore = rig.Calls.Count;
        var overLimit = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 101));

        Assert.True(atLimit.Accepted);
        Assert.Contains("body 100", rig.Calls);
        Assert.Equal(MilterSteps.Body, overLimit.DecidedAt);
        Assert.Equal("552 5.3.4 Message body too big (limit 100 bytes)", LimitTestRig.ReplyOf(overLimit));
        Assert.DoesNotContain(rig.Calls.Skip(callsBefore), c => c.StartsWith("body", StringComparison.Ordinal) || c == "eom");
        Assert.Equal("abort", rig.Calls[^1]);
    }

    [Fact]
    public async Task A_body_tempfail_has_its_own_4xx_reply()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxBodyBytes = 100, MaxBodyBytesVerdict = LimitVerdict.Tempfail() });

        var outcome = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 101));

        Assert.True(outcome.Tempfailed);
        Assert.Equal("451 4.3.0 Message body too big (limit 100 bytes), try again later", LimitTestRig.ReplyOf(outcome));
    }

    [Fact]
    public async Task A_body_accept_ends_filtering_and_the_message_goes_through_without_end_of_message()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxBodyBytes = 100, MaxBodyBytesVerdict = LimitVerdict.Accept() });

        var outcome = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 101));

        Assert.True(outcome.Accepted);
        Assert.Equal(MilterSteps.Body, outcome.DecidedAt);
        Assert.DoesNotContain("eom", rig.Calls);
        Assert.Equal("abort", rig.Calls[^1]);
    }

    [Fact]
    public async Task The_body_is_still_counted_after_the_handler_skipped_it()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxBodyBytes = 100_000 }, new MilterDescription { Skip = true },
            h => h.Verdicts[MilterSteps.Body] = () => MilterVerdict.Skip);

        var outcome = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 150_000));

        Assert.Equal(MilterSteps.Body, outcome.DecidedAt);
        Assert.True(outcome.Rejected);
        Assert.Single(rig.Calls, c => c.StartsWith("body", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_limits_the_same_skip_reaches_the_MTA()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 10 }, new MilterDescription { Skip = true },
            h => h.Verdicts[MilterSteps.Body] = () => MilterVerdict.Skip);

        var outcome = await rig.SendAsync(LimitTestRig.Message(bodyBytes: 150_000));

        Assert.True(outcome.Accepted);
        Assert.Single(rig.Calls, c => c.StartsWith("body", StringComparison.Ordinal));
    }
}
