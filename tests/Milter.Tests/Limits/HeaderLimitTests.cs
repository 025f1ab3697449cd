using Milter.Protocol;

namespace Milter.Tests.Limits;

/// <summary>MaxHeaders and MaxHeaderBytes: refused at the header past the limit when headers are answered, else at end of headers.</summary>
public class HeaderLimitTests
{
    [Fact]
    public async Task With_answered_headers_the_header_past_the_limit_is_refused_at_once_and_never_reaches_the_handler()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxHeaders = 3 });

        var atLimit = await rig.SendAsync(LimitTestRig.Message(headerCount: 3));
        rig.Calls.Clear();
        var overLimit = await rig.SendAsync(LimitTestRig.Message(headerCount: 4));

        Assert.True(atLimit.Accepted);
        Assert.Equal(MilterSteps.Header, overLimit.DecidedAt);
        Assert.Equal("552 5.6.0 Too many header fields (limit 3)", LimitTestRig.ReplyOf(overLimit));
        Assert.Equal(3, rig.Calls.Count(c => c.StartsWith("header", StringComparison.Ordinal)));
        Assert.Equal("header X-Header-3: value 3", rig.Calls[^2]);
        Assert.Equal("abort", rig.Calls[^1]);
    }

    [Fact]
    public async Task With_no_reply_headers_the_refusal_waits_for_end_of_headers_and_headers_stay_no_reply()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxHeaders = 3 },
            new MilterDescription { NoReplySteps = MilterSteps.Header });

        var outcome = await rig.SendAsync(LimitTestRig.Message(headerCount: 5));

        Assert.Equal(ProtocolFlags.NoReplyHeader, rig.Client.Negotiated!.Protocol & ProtocolFlags.NoReplyHeader);
        Assert.Equal(MilterSteps.EndOfHeaders, outcome.DecidedAt);
        Assert.Equal("552 5.6.0 Too many header fields (limit 3)", LimitTestRig.ReplyOf(outcome));
        Assert.Equal(3, rig.Calls.Count(c => c.StartsWith("header", StringComparison.Ordinal)));
        Assert.DoesNotContain("eoh", rig.Calls);
        Assert.Equal("abort", rig.Calls[^1]);
    }

    [Fact]
    public async Task A_handler_that_reads_no_headers_gets_none_and_the_MTA_sends_them_without_waiting()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxHeaderBytes = 63 }, new MilterDescription { Steps = MilterSteps.Mail });

        var atLimit = await rig.SendAsync(LimitTestRig.Message(headerCount: 3));
        var overLimit = await rig.SendAsync(LimitTestRig.Message(headerCount: 4));

        var protocol = rig.Client.Negotiated!.Protocol;
        Assert.Equal(ProtocolFlags.NoReplyHeader, protocol & (ProtocolFlags.NoHeaders | ProtocolFlags.NoReplyHeader));
        Assert.Equal(ProtocolFlags.None, protocol & (ProtocolFlags.NoEndOfHeaders | ProtocolFlags.NoReplyEndOfHeaders));
        Assert.True(atLimit.Accepted);
        Assert.Equal(MilterSteps.EndOfHeaders, overLimit.DecidedAt);
        Assert.Equal("552 5.6.0 Header section too large (limit 63 bytes)", LimitTestRig.ReplyOf(overLimit));
        Assert.Equal(["mail <sender@origin.test>", "eom", "mail <sender@origin.test>", "abort"], rig.MessageCalls);
    }

    [Fact]
    public async Task Header_bytes_count_the_space_after_the_colon_and_folded_lines_as_the_message_has_them()
    {
        // "Subject: one\r\n two\r\n" is 20 bytes; the MTA sends "one\n two" without the space after the colon.
        const string message = "Subject: one\r\n two\r\n\r\nbody\r\n";
        await using var exact = new LimitTestRig(new MessageLimits { MaxHeaderBytes = 20 });
        await using var under = new LimitTestRig(new MessageLimits { MaxHeaderBytes = 19 });

        Assert.True((await exact.SendAsync(message)).Accepted);
        Assert.True((await under.SendAsync(message)).Rejected);
    }

    [Fact]
    public async Task With_leading_space_negotiated_the_count_is_the_same()
    {
        const string message = "Subject:  two spaces\r\n\r\nbody\r\n";
        await using var exact = new LimitTestRig(new MessageLimits { MaxHeaderBytes = 22 }, new MilterDescription { HeaderLeadingSpace = true });
        await using var under = new LimitTestRig(new MessageLimits { MaxHeaderBytes = 21 }, new MilterDescription { HeaderLeadingSpace = true });

        Assert.True((await exact.SendAsync(message)).Accepted);
        Assert.True((await under.SendAsync(message)).Rejected);
    }

    [Fact]
    public async Task Behind_Sendmail_the_same_limits_refuse_at_the_same_points()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxHeaders = 3, MaxRecipients = 1 }, profile: Milter.Client.MtaProfile.Sendmail);

        var outcome = await rig.SendAsync(LimitTestRig.Message(headerCount: 4), ["a@dest.test", "b@dest.test"]);

        Assert.Equal(["b@dest.test"], outcome.RefusedRecipients);
        Assert.Equal(MilterSteps.Header, outcome.DecidedAt);
        Assert.Equal("552 5.6.0 Too many header fields (limit 3)", LimitTestRig.ReplyOf(outcome));
        Assert.Equal("abort", rig.Calls[^1]);
    }

    [Fact]
    public async Task A_refusal_waiting_for_end_of_headers_goes_out_at_end_of_message_when_the_MTA_skips_end_of_headers()
    {
        await using var rig = new LimitTestRig(new MessageLimits { MaxHeaders = 1 }, new MilterDescription { NoReplySteps = MilterSteps.Header });
        await rig.Client.NegotiateAsync();
        await rig.Client.ConnectAsync("client.example", ConnectionFamily.IPv4, 50025, "192.0.2.1");
        await rig.Client.MailAsync("<sender@origin.test>");
        await rig.Client.RcptAsync("<rcpt@dest.test>");
        await rig.Client.HeaderAsync("Subject", "one");
        await rig.Client.HeaderAsync("X-Two", "two");

        var end = await rig.Client.EndOfMessageAsync();

        Assert.Equal("552 5.6.0 Too many header fields (limit 1)", LimitTestRig.ReplyOf(end.Verdict));
        Assert.Equal(["mail <sender@origin.test>", "rcpt <rcpt@dest.test>", "header Subject: one", "abort"], rig.MessageCalls);
    }
}
