using System.Text;
using Microsoft.Extensions.Configuration;
using Milter.Client;
using Milter.Hosting;
using Milter.IntegrationTests.Support;
using Milter.Protocol;

namespace Milter.IntegrationTests;

/// <summary>
/// ExternalMilter in front of our own MilterServer serving a generated filter, with MilterClient as the MTA: every event
/// and macro reaches the external milter, every change and verdict comes back as the MTA would get it directly.
/// </summary>
public sealed class ExternalMilterRelayTests
{
    private static async Task<(MessageOutcome Direct, MessageOutcome Relayed)> SendBothWaysAsync(RelayRig rig, Envelope envelope, MailMessage message)
    {
        await using var direct = await rig.ConnectDirectAsync();
        await using var mta = await rig.ConnectMtaAsync();
        return (await direct.SendMessageAsync(envelope, message), await mta.SendMessageAsync(envelope, message));
    }

    [Fact]
    public async Task Every_event_with_its_macros_reaches_the_external_milter_as_it_would_directly()
    {
        await using var rig = await RelayRig.StartAsync();

        var (direct, relayed) = await SendBothWaysAsync(rig, RelayRig.Envelope(), RelayRig.Message("report"));

        RelayRig.AssertSame(direct, relayed);
        // Read back from the delivered message, the report's line breaks (from the folded header it quotes) are unfolded.
        var report = relayed.Delivered!.Message.Header("X-Report")!.Replace("\r\n", "", StringComparison.Ordinal).Trim().Split(" | ");
        Assert.Equal("connect localhost IPv4 50025 127.0.0.1 j=mx.dest.test daemon=relay-test; helo client.example", report[0]);
        Assert.Equal("mail <sender@origin.test> [BODY=8BITMIME SIZE=1234] auth=alice", report[1]);
        Assert.StartsWith("rcpt <rcpt@dest.test> rcpt_addr=", report[2], StringComparison.Ordinal);
        Assert.StartsWith("rcpt <other@dest.test> rcpt_addr=", report[3], StringComparison.Ordinal);
        Assert.Equal("data i=4QUEUEID", report[4]);
        Assert.Equal(
            ["header From=<sender@origin.test>", "header To=<rcpt@dest.test>", "header Subject=hello", "header X-Remove-Me=yes",
             "header X-Spaced=  three spaces", "header X-Folded=first\tsecond", "header X-Case=report", "eoh", "body 22", "eom i=4QUEUEID aborts=0"],
            report[5..]);
        Assert.Empty(rig.Failures);
    }

    [Fact]
    public async Task An_abandoned_message_reaches_the_external_milter_as_its_abort()
    {
        await using var rig = await RelayRig.StartAsync();
        await using var direct = await rig.ConnectDirectAsync();
        await using var mta = await rig.ConnectMtaAsync();

        foreach (var client in new[] { direct, mta })
            Assert.True((await client.SendMessageAsync(RelayRig.Envelope("reject@origin.test"), RelayRig.Message("report"))).Rejected);
        var expected = await direct.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("report"));
        var relayed = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("report"));

        RelayRig.AssertSame(expected, relayed);
        Assert.EndsWith("eom i=4QUEUEID aborts=1", relayed.Delivered!.Message.Header("X-Report")!.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_change_arrives_with_the_bytes_the_external_milter_sent()
    {
        await using var rig = await RelayRig.StartAsync();

        var (direct, relayed) = await SendBothWaysAsync(rig, RelayRig.Envelope(), RelayRig.Message("all-changes"));

        RelayRig.AssertSame(direct, relayed);
        Assert.Equal(
            [MilterResponseCode.AddHeader, MilterResponseCode.InsertHeader, MilterResponseCode.ChangeHeader, MilterResponseCode.ChangeHeader,
             MilterResponseCode.ChangeSender, MilterResponseCode.AddRecipientWithParameters, MilterResponseCode.AddRecipient,
             MilterResponseCode.DeleteRecipient, MilterResponseCode.Quarantine, MilterResponseCode.ReplaceBody, MilterResponseCode.ReplaceBody],
            relayed.Actions.Select(a => a.Code));
        Assert.Equal(new ChangeSenderResponse("<new-sender@origin.test>", "RET=HDRS ENVID=relay-test"), relayed.Actions[4]);
        Assert.Equal(new AddRecipientWithParametersResponse("<added@dest.test>", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;added@dest.test"), relayed.Actions[5]);
        var delivered = relayed.Delivered!;
        Assert.Equal(["<other@dest.test>", "<added@dest.test>", "<plain@dest.test>"], delivered.Recipients);
        Assert.Equal(["[relayed] hello"], delivered.Message.Values("Subject").Select(v => v.Trim()));
        Assert.Empty(delivered.Message.Values("X-Remove-Me"));
        Assert.Equal(RelayTargetMilter.LongBody, Encoding.ASCII.GetString(delivered.Message.Body.Span));
        Assert.Equal("held for review", relayed.QuarantineReason);
    }

    [Theory]
    [InlineData("report")]
    [InlineData("all-changes")]
    public async Task Before_the_probe_the_MTA_gets_the_same_message_with_header_values_translated_both_ways(string scenario)
    {
        // Unprobed, the relay asks the MTA for leading space; the target did not ask for it, so one space comes off each
        // value on the way to it and goes back on each value it writes.
        await using var rig = await RelayRig.StartAsync(probe: false);
        await using var direct = await rig.ConnectDirectAsync();
        await using var mta = await rig.ConnectMtaAsync();

        var expected = await direct.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message(scenario));
        var relayed = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message(scenario));

        Assert.Equal(ProtocolFlags.HeaderLeadingSpace, mta.Negotiated!.Protocol & ProtocolFlags.HeaderLeadingSpace);
        Assert.Equal(expected.Delivered!.Recipients, relayed.Delivered!.Recipients);
        Assert.Equal(expected.Delivered.Message.Headers, relayed.Delivered.Message.Headers);
        Assert.Equal(expected.Delivered.Message.Body.ToArray(), relayed.Delivered.Message.Body.ToArray());
    }

    [Theory]
    [InlineData("accept", "sender@origin.test", MilterResponseCode.Accept, MilterSteps.EndOfMessage)]
    [InlineData("discard", "sender@origin.test", MilterResponseCode.Discard, MilterSteps.EndOfMessage)]
    [InlineData("reject", "sender@origin.test", MilterResponseCode.ReplyCode, MilterSteps.EndOfMessage)]
    [InlineData("tempfail", "sender@origin.test", MilterResponseCode.ReplyCode, MilterSteps.EndOfMessage)]
    [InlineData("skip", "sender@origin.test", MilterResponseCode.Continue, MilterSteps.EndOfMessage)]
    [InlineData("stamp", "reject@origin.test", MilterResponseCode.Reject, MilterSteps.Mail)]
    public async Task Verdicts_come_back_as_the_external_milter_gave_them(string scenario, string sender, MilterResponseCode code, MilterSteps step)
    {
        await using var rig = await RelayRig.StartAsync();

        var (direct, relayed) = await SendBothWaysAsync(rig, RelayRig.Envelope(sender), RelayRig.Message(scenario));

        RelayRig.AssertSame(direct, relayed);
        Assert.Equal(code, relayed.Verdict.Code);
        Assert.Equal(step, relayed.DecidedAt);
        if (scenario == "reject")
            Assert.Equal(SmtpReply.Create(554, "5.7.1", "Rejected by the target", "Second line, 100% sure"), ((ReplyCodeResponse)relayed.Verdict).Reply);
        if (scenario == "tempfail")
            Assert.Equal(SmtpReply.Create(451, "4.7.1", "Try again later"), ((ReplyCodeResponse)relayed.Verdict).Reply);
    }

    [Fact]
    public async Task A_refused_recipient_is_refused_alone_with_the_external_milter_reply()
    {
        await using var rig = await RelayRig.StartAsync();

        var (direct, relayed) = await SendBothWaysAsync(rig,
            RelayRig.Envelope("sender@origin.test", "refused@dest.test", "rcpt@dest.test", "later@dest.test"), RelayRig.Message("stamp"));

        RelayRig.AssertSame(direct, relayed);
        Assert.Equal(["refused@dest.test", "later@dest.test"], relayed.RefusedRecipients);
        Assert.Equal(["<rcpt@dest.test>"], relayed.Delivered!.Recipients);
    }

    [Fact]
    public async Task PROGRESS_is_passed_on_to_the_MTA_while_the_external_milter_works()
    {
        await using var rig = await RelayRig.StartAsync();
        await using var mta = await rig.ConnectMtaAsync();
        var progress = 0;
        mta.OnProgress = _ =>
        {
            Interlocked.Increment(ref progress);
            return ValueTask.CompletedTask;
        };

        var outcome = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("slow"));

        Assert.Equal("done", outcome.Delivered!.Message.Header("X-Slow")!.Trim());
        Assert.True(progress >= 3, $"{progress} PROGRESS packets reached the MTA");
    }

    [Fact]
    public async Task Several_messages_and_connections_each_get_the_external_milter()
    {
        await using var rig = await RelayRig.StartAsync();
        for (var connection = 0; connection < 2; connection++)
        {
            await using var mta = await rig.ConnectMtaAsync();
            for (var message = 0; message < 3; message++)
            {
                var outcome = await mta.SendMessageAsync(RelayRig.Envelope(), RelayRig.Message("stamp"));
                Assert.Equal("passed", outcome.Delivered!.Message.Header("X-Stamp")!.Trim());
            }
        }

        Assert.Empty(rig.Failures);
    }

    [Fact]
    public async Task The_MTA_is_asked_for_what_the_external_milter_negotiates_and_for_everything_before_it_is_known()
    {
        await using var rig = await RelayRig.StartAsync(probe: false);
        var everything = rig.External.Description;
        var target = MilterHandlerFactory.For<RelayTargetMilter>().Description;

        Assert.True(await rig.External.ProbeAsync());
        var probed = rig.External.Description;

        Assert.Equal(MilterSteps.Negotiable, everything.Steps);
        Assert.Equal(MilterSteps.None, everything.NoReplySteps);
        Assert.Equal(ActionFlags.All & ~ActionFlags.SetMacroLists, everything.OptionalActions);
        Assert.True(everything.HeaderLeadingSpace);
        Assert.Equal(target.Steps, probed.Steps);
        Assert.Equal(target.NoReplySteps, probed.NoReplySteps);
        Assert.Equal(target.Actions | target.OptionalActions, probed.OptionalActions | probed.Actions);
        Assert.Equal(target.Macros.Select(m => (m.Stage, string.Join(' ', m.Names))), probed.Macros.Select(m => (m.Stage, string.Join(' ', m.Names))));
        Assert.Equal(target.HeaderLeadingSpace, probed.HeaderLeadingSpace);
        Assert.Equal("target", probed.Name);
    }

    [Fact]
    public async Task A_probe_of_a_milter_that_is_down_fails_with_one_line_and_leaves_everything_asked()
    {
        var path = Path.Combine(Path.GetTempPath(), $"milter-absent-{Guid.NewGuid():N}.sock");
        var log = new Tests.Support.ListLogger();
        var external = new ExternalMilter(new ExternalMilterOptions { Name = "absent", Address = $"unix:{path}" }, log);

        Assert.False(await external.ProbeAsync());

        var line = Assert.Single(log.Entries).Message;
        Assert.Contains($"absent at unix:{path}", line, StringComparison.Ordinal);
        Assert.Equal(MilterSteps.Negotiable, external.Description.Steps);
        Assert.Null(external.Negotiated);
    }

    [Theory]
    [InlineData("inet:8891@127.0.0.1", "inet:8891@127.0.0.1")]
    [InlineData("inet:127.0.0.1:8891", "inet:8891@127.0.0.1")]
    [InlineData("inet:[::1]:8891", "inet6:8891@::1")]
    [InlineData("unix:/run/opendkim/opendkim.sock", "unix:/run/opendkim/opendkim.sock")]
    public void The_address_is_read_in_milter_syntax_and_in_Postfix_spelling(string address, string expected) =>
        Assert.Equal(expected, new ExternalMilter(new ExternalMilterOptions { Address = address }).Address);

    [Fact]
    public void Options_bind_from_a_pipeline_part_External_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Milter:Pipeline:Parts:opendkim:External:Address"] = "inet:127.0.0.1:8891",
            ["Milter:Pipeline:Parts:opendkim:External:ConnectTimeout"] = "00:00:02",
            ["Milter:Pipeline:Parts:opendkim:External:CommandTimeout"] = "00:00:07",
            ["Milter:Pipeline:Parts:opendkim:External:EndOfMessageTimeout"] = "00:01:00",
            ["Milter:Pipeline:Parts:opendkim:External:WhenUnavailable"] = "Continue",
            ["Milter:Pipeline:Parts:policy:DryRun"] = "true",
        }).Build();
        var parts = configuration.GetSection("Milter:Pipeline:Parts");

        var external = ExternalMilterConfiguration.Create(parts.GetSection("opendkim"));

        Assert.Null(ExternalMilterConfiguration.Create(parts.GetSection("policy")));
        Assert.NotNull(external);
        Assert.Equal("opendkim", external.Name);
        Assert.Equal("inet:8891@127.0.0.1", external.Address);
        Assert.Equal(TimeSpan.FromSeconds(2), external.Options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), external.Options.CommandTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), external.Options.EndOfMessageTimeout);
        Assert.Equal(ExternalMilterFallback.Continue, external.Options.WhenUnavailable);
    }
}
