using Milter.Protocol;
using static Milter.Tests.Composition.PipelineHarness;

namespace Milter.Tests.Composition;

/// <summary>The pipeline's negotiation is computed from its parts'.</summary>
public class PipelineNegotiationTests
{
    private static IMilterHandlerFactory Described(MilterDescription description) => MilterHandlerFactory.Create(description, () => new Idle());

    private sealed class Idle : IMilterHandler;

    [Fact]
    public void Steps_actions_macros_and_options_are_the_union_and_a_step_is_no_reply_only_when_every_part_handling_it_is()
    {
        var a = Described(new MilterDescription
        {
            Name = "a",
            Steps = MilterSteps.Header | MilterSteps.Body,
            NoReplySteps = MilterSteps.Header | MilterSteps.Body,
            Actions = ActionFlags.AddHeaders,
            Macros = [new MacroRequest(MacroStage.Mail, ["i", "{auth_type}"])],
            HeaderLeadingSpace = true,
        });
        var b = Described(new MilterDescription
        {
            Name = "b",
            Steps = MilterSteps.Rcpt | MilterSteps.Header,
            NoReplySteps = MilterSteps.Rcpt,
            Actions = ActionFlags.ChangeHeaders,
            OptionalActions = ActionFlags.Quarantine,
            Macros = [new MacroRequest(MacroStage.Mail, ["{auth_type}", "{mail_addr}"]), new MacroRequest(MacroStage.Rcpt, ["{rcpt_addr}"])],
            RejectedRecipients = true,
            Skip = true,
        });

        var description = MilterPipeline.Create("inbound").Add(a).Add(b).Build().Description;

        Assert.Equal("inbound", description.Name);
        Assert.Equal(MilterSteps.Header | MilterSteps.Body | MilterSteps.Rcpt, description.Steps);
        // Header: a does not reply but b does; body and RCPT: every part handling them is no-reply.
        Assert.Equal(MilterSteps.Body | MilterSteps.Rcpt, description.NoReplySteps);
        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.ChangeHeaders, description.Actions);
        Assert.Equal(ActionFlags.Quarantine, description.OptionalActions);
        Assert.Equal(["i", "{auth_type}", "{mail_addr}"], description.Macros.Single(m => m.Stage == MacroStage.Mail).Names);
        Assert.Equal(["{rcpt_addr}"], description.Macros.Single(m => m.Stage == MacroStage.Rcpt).Names);
        Assert.True(description.HeaderLeadingSpace && description.RejectedRecipients && description.Skip);
    }

    [Fact]
    public void Conditions_ask_for_the_steps_they_read_without_a_reply_and_a_dry_run_header_may_be_added()
    {
        var body = Described(new MilterDescription { Name = "body", Steps = MilterSteps.Body, Macros = [new MacroRequest(MacroStage.Mail, ["i"])] });

        var description = MilterPipeline.Create("p")
            .Add(body, p => p.When = new MilterPartConditions { ClientNetworks = ["192.0.2.0/24"], AuthenticatedOnly = true, RecipientDomains = ["example.org"] })
            .Build().Description;

        Assert.Equal(MilterSteps.Body | MilterSteps.Connect | MilterSteps.Mail | MilterSteps.Rcpt, description.Steps);
        Assert.Equal(MilterSteps.Connect | MilterSteps.Mail | MilterSteps.Rcpt, description.NoReplySteps);
        Assert.Equal(["i", "{auth_authen}"], description.Macros.Single().Names);
        Assert.Equal(ActionFlags.AddHeaders, description.OptionalActions);
    }

    [Fact]
    public void A_pipeline_needs_parts_with_distinct_names_and_valid_conditions()
    {
        var part = Described(new MilterDescription { Name = "same" });
        Assert.Throws<InvalidOperationException>(() => MilterPipeline.Create("empty").Build());
        Assert.Throws<ArgumentException>(() => MilterPipeline.Create("p").Add(part).Add(part));
        Assert.Throws<ArgumentException>(() => MilterPipeline.Create("p").Add(part, p => p.When.ClientNetworks = ["not a network"]).Build());
        Assert.Throws<ArgumentException>(() => MilterPipeline.Create("p").Add(part, p => p.DryRunHeader = "Bad Name:").Build());
    }

    [Fact]
    public async Task A_part_that_did_not_ask_for_leading_space_sees_values_without_it_and_writes_them_as_without_it()
    {
        List<string> spaced = [], plain = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("spaced", spaced, MilterSteps.Header, leadingSpace: true))
            .Add(Part("plain", plain, MilterSteps.Header, ActionFlags.AddHeaders, h => h.EndOfMessage = m => m.AddHeader("X-Plain", "added")))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.Contains("header Subject:  hello", spaced);
        Assert.Contains("header Subject: hello", plain);
        // Written "X-Plain: added", not "X-Plain:added": the MTA keeps the value as sent.
        Assert.Equal(" added", outcome.Delivered!.Message.Headers.Single(h => h.Key == "X-Plain").Value);
    }
}
