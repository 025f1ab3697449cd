using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Limits;

/// <summary>What the limits ask of the MTA, the checks on their settings, and the user's verdicts the limits must not change.</summary>
public class MessageLimitsOptionsTests
{
    private static readonly IMilterHandlerFactory Plain =
        MilterHandlerFactory.Create(new MilterDescription { Name = "plain", Steps = MilterSteps.None, Actions = ActionFlags.AddHeaders }, () => new RecordingHandler([]));

    [Fact]
    public void Without_a_limit_the_factory_is_returned_as_it_is()
    {
        Assert.Same(Plain, Plain.WithLimits(new MessageLimits()));
        Assert.Same(Plain, Plain.WithLimits(null));
    }

    [Fact]
    public void Each_limit_asks_for_the_steps_it_counts_with_replies_where_it_refuses()
    {
        MilterDescription Of(MessageLimits limits) => Plain.WithLimits(limits).Description;

        Assert.Equal((MilterSteps.Rcpt, MilterSteps.None), (Of(new() { MaxRecipients = 1 }).Steps, Of(new() { MaxRecipients = 1 }).NoReplySteps));
        var headers = Of(new() { MaxHeaders = 1 });
        Assert.Equal((MilterSteps.Header | MilterSteps.EndOfHeaders, MilterSteps.Header), (headers.Steps, headers.NoReplySteps));
        var body = Of(new() { MaxBodyBytes = 1 });
        Assert.Equal((MilterSteps.Body, MilterSteps.None), (body.Steps, body.NoReplySteps));
        var size = Of(new() { MaxMessageSize = 1 });
        Assert.Equal((MilterSteps.Mail | MilterSteps.Header | MilterSteps.EndOfHeaders | MilterSteps.Body, MilterSteps.Header), (size.Steps, size.NoReplySteps));
        Assert.Equal(("plain", ActionFlags.AddHeaders), (size.Name, size.Actions));
    }

    [Fact]
    public void A_step_the_user_answers_no_reply_is_answered_when_a_limit_refuses_there_and_its_headers_keep_theirs()
    {
        var user = MilterHandlerFactory.Create(new MilterDescription
        {
            NoReplySteps = MilterSteps.Rcpt | MilterSteps.Header | MilterSteps.EndOfHeaders | MilterSteps.Body | MilterSteps.Data,
        }, () => new RecordingHandler([]));

        var limited = user.WithLimits(new MessageLimits { MaxRecipients = 1, MaxHeaders = 1, MaxBodyBytes = 1 }).Description;

        Assert.Equal(MilterSteps.Negotiable, limited.Steps);
        Assert.Equal(MilterSteps.Header | MilterSteps.Data, limited.NoReplySteps);
    }

    [Fact]
    public async Task The_user_verdict_at_a_no_reply_step_the_limits_answer_is_dropped_as_the_session_would_drop_it()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxRecipients = 5 }, new MilterDescription { NoReplySteps = MilterSteps.Rcpt },
            h => h.Verdicts[MilterSteps.Rcpt] = MilterVerdict.Reject);

        var outcome = await rig.SendAsync(LimitTestRig.Message(), ["a@dest.test", "b@dest.test"]);

        Assert.True(outcome.Accepted);
        Assert.Empty(outcome.RefusedRecipients);
        Assert.Equal(2, rig.Calls.Count(c => c.StartsWith("rcpt", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("552 5.3.4 Message too big for this site", true)]
    [InlineData("554 Too big", true)]
    [InlineData("452 4.5.3 Come back later", true)]
    [InlineData("252 2.0.0 Fine", false)]
    [InlineData("552 4.3.4 Class differs", false)]
    [InlineData("552 5.3.4", false)]
    [InlineData("five hundred", false)]
    public void A_reject_reply_is_checked_as_the_MTA_would(string reply, bool valid)
    {
        var problems = new MessageLimits { MaxMessageSize = 10, MaxMessageSizeVerdict = LimitVerdict.Reject(reply) }.Validate("Milter:Limits:");

        if (valid)
        {
            Assert.Empty(problems);
            return;
        }

        var problem = Assert.Single(problems);
        Assert.StartsWith("Milter:Limits:MaxMessageSizeVerdict: ", problem, StringComparison.Ordinal);
        Assert.Contains(reply, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_settings_are_named_each_in_one_sentence()
    {
        var limits = new MessageLimits
        {
            MaxHeaders = 0,
            MaxRecipients = -1,
            MaxRecipientsVerdict = LimitVerdict.Tempfail("550 5.5.3 Permanent"),
            MaxBodyBytes = 10,
            MaxBodyBytesVerdict = new LimitVerdict { Action = LimitAction.Accept, Reply = "250 ok" },
        };

        Assert.Equal(
        [
            "MaxHeaders must be positive (or unset to turn it off); it is 0.",
            "MaxRecipients must be positive (or unset to turn it off); it is -1.",
            "MaxRecipientsVerdict: a Tempfail needs a 4xx reply; \"550 5.5.3 Permanent\" is permanent.",
            "MaxBodyBytesVerdict: an Accept has no reply; remove Reply or use Reject or Tempfail.",
        ], limits.Validate());
        var thrown = Assert.Throws<ArgumentException>(() => Plain.WithLimits(limits));
        Assert.Contains("Limits.MaxHeaders must be positive", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_compare_by_value_so_a_reload_sees_what_changed()
    {
        Assert.Equal(new MessageLimits { MaxRecipients = 5, MaxRecipientsVerdict = LimitVerdict.Tempfail() },
            new MessageLimits { MaxRecipients = 5, MaxRecipientsVerdict = LimitVerdict.Tempfail() });
        Assert.NotEqual(new MessageLimits { MaxRecipients = 5 }, new MessageLimits { MaxRecipients = 5, MaxRecipientsVerdict = LimitVerdict.Tempfail() });
    }

    [Fact]
    public void The_default_replies_follow_RFC_3463()
    {
        Assert.Equal("552 5.3.4 Message too big (limit 10 bytes)", LimitRule.OwnReply(LimitKind.MessageSize, LimitAction.Reject, 10).ToWireText());
        Assert.Equal("452 4.5.3 Too many recipients (limit 10 per message)", LimitRule.OwnReply(LimitKind.Recipients, LimitAction.Reject, 10).ToWireText());
        Assert.Equal("452 4.5.3 Too many recipients (limit 10 per message)", LimitRule.OwnReply(LimitKind.Recipients, LimitAction.Tempfail, 10).ToWireText());
        Assert.Equal("451 4.6.0 Too many header fields (limit 10), try again later", LimitRule.OwnReply(LimitKind.Headers, LimitAction.Tempfail, 10).ToWireText());
        Assert.Equal(MilterResponseCode.ReplyCode, MilterVerdict.WithReply(LimitRule.OwnReply(LimitKind.BodyBytes, LimitAction.Reject, 1)).ResponseCode);
    }
}
