using Milter.Generators.Tests.Filters;
using Milter.Protocol;

namespace Milter.Generators.Tests;

/// <summary>The exact protocol, no-reply, action and macro values the generator decided for each handler combination.</summary>
public class NegotiatedFlagsTests
{
    private static ProtocolFlags Protocol(MilterDescription description) => description.ToNegotiationRequest().Protocol;

    [Fact]
    public void Stamp_filter_replies_to_rcpt_not_to_headers_and_only_adds_headers()
    {
        var d = StampFilter.Description;
        Assert.Equal(MilterSteps.Rcpt | MilterSteps.Header, d.Steps);
        Assert.Equal(MilterSteps.Header, d.NoReplySteps);
        Assert.Equal(ActionFlags.AddHeaders, d.Actions);
        Assert.Equal(ProtocolFlags.NoConnect | ProtocolFlags.NoHelo | ProtocolFlags.NoMail | ProtocolFlags.NoData | ProtocolFlags.NoEndOfHeaders
            | ProtocolFlags.NoBody | ProtocolFlags.NoUnknown | ProtocolFlags.NoReplyHeader, Protocol(d));
        var macros = Assert.Single(d.Macros);
        Assert.Equal(new MacroRequest(MacroStage.Rcpt, ["{auth_authen}", "i"]), macros);
        Assert.False(d.Skip);
    }

    [Fact]
    public void Connection_logger_needs_no_replies_and_no_actions()
    {
        var d = ConnectionLogger.Description;
        Assert.Equal(MilterSteps.Connect | MilterSteps.Helo, d.Steps);
        Assert.Equal(MilterSteps.Connect | MilterSteps.Helo, d.NoReplySteps);
        Assert.Equal(ActionFlags.None, d.Actions);
        Assert.Equal(ProtocolFlags.NoMail | ProtocolFlags.NoRcpt | ProtocolFlags.NoBody | ProtocolFlags.NoHeaders | ProtocolFlags.NoEndOfHeaders
            | ProtocolFlags.NoUnknown | ProtocolFlags.NoData | ProtocolFlags.NoReplyConnect | ProtocolFlags.NoReplyHelo, Protocol(d));
        Assert.Empty(d.Macros);
    }

    [Fact]
    public void Body_scanner_asks_for_skip_and_body_changes()
    {
        var d = BodyScanner.Description;
        Assert.Equal(MilterSteps.Body, d.Steps);
        Assert.Equal(MilterSteps.None, d.NoReplySteps);
        Assert.Equal(ActionFlags.ChangeBody, d.Actions);
        Assert.True(d.Skip);
        Assert.True(d.RejectedRecipients);
        Assert.Equal(ProtocolFlags.Skip | ProtocolFlags.RejectedRecipients, Protocol(d) & (ProtocolFlags.Skip | ProtocolFlags.RejectedRecipients));
    }

    [Fact]
    public void A_helper_marked_UsesActions_adds_its_declared_actions()
    {
        Assert.Equal(ActionFlags.ChangeHeaders | ActionFlags.ChangeBody, HelperCaller.Description.Actions);
    }

    [Fact]
    public void Explicit_actions_replace_inference_and_class_macros_are_requested()
    {
        var d = Quarantiner.Description;
        Assert.Equal(ActionFlags.Quarantine, d.Actions);
        Assert.True(d.HeaderLeadingSpace);
        Assert.Equal(MilterSteps.Mail, d.Steps);
        Assert.Equal(MilterSteps.None, d.NoReplySteps);
        Assert.Equal([new MacroRequest(MacroStage.Mail, ["{auth_type}", "i"])], d.Macros);
        Assert.Equal(ProtocolFlags.HeaderLeadingSpace, Protocol(d) & ProtocolFlags.HeaderLeadingSpace);
    }

    [Fact]
    public void Actions_are_the_union_of_the_changes_the_class_makes_in_handlers_and_helpers()
    {
        var d = Outer.Rewriter.Description;
        Assert.Equal(ActionFlags.ChangeSender | ActionFlags.AddRecipients | ActionFlags.AddRecipientsWithParameters | ActionFlags.DeleteRecipients
            | ActionFlags.AddHeaders | ActionFlags.ChangeHeaders, d.Actions);
        Assert.Equal(MilterSteps.None, d.Steps);
        Assert.Equal(ProtocolFlags.AllNoSteps, Protocol(d));
    }
}
