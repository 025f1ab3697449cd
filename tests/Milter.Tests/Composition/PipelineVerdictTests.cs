using Milter.Protocol;
using Milter.Tests.Support;
using static Milter.Tests.Composition.PipelineHarness;

namespace Milter.Tests.Composition;

/// <summary>The verdict rules of a pipeline: Postfix's for <c>smtpd_milters = A, B</c>.</summary>
public class PipelineVerdictTests
{
    [Theory]
    [InlineData(MilterVerdictKind.Reject)]
    [InlineData(MilterVerdictKind.Tempfail)]
    [InlineData(MilterVerdictKind.Discard)]
    public async Task A_reject_tempfail_or_discard_ends_the_message_for_the_later_parts_which_get_their_abort(MilterVerdictKind kind)
    {
        List<string> a = [], b = [];
        var verdict = kind switch
        {
            MilterVerdictKind.Reject => MilterVerdict.Reject(),
            MilterVerdictKind.Tempfail => MilterVerdict.Tempfail(),
            _ => MilterVerdict.Discard,
        };
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("a", a, setUp: h => h.Verdicts[MilterSteps.EndOfHeaders] = () => verdict))
            .Add(Part("b", b))
            .Build();

        var outcome = await SendAsync(pipeline);
        (a, b) = (Steps(a), Steps(b));

        Assert.Equal(MilterSteps.EndOfHeaders, outcome.DecidedAt);
        Assert.Equal(verdict.ResponseCode, outcome.Verdict.Code);
        Assert.Equal(["eoh", "abort"], a[^2..]);
        Assert.DoesNotContain("eoh", b);
        Assert.DoesNotContain("eom", b);
        Assert.Equal("abort", b[^1]);
    }

    [Fact]
    public async Task A_refused_recipient_is_not_shown_to_the_later_parts_and_the_others_go_on()
    {
        List<string> a = [], b = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("a", a, setUp: h => h.Verdicts[MilterSteps.Rcpt] = () => a.Count(c => c.StartsWith("rcpt", StringComparison.Ordinal)) == 1
                ? MilterVerdict.Reject(550, "5.1.1", "no such user")
                : MilterVerdict.Continue))
            .Add(Part("b", b))
            .Build();

        var outcome = await SendAsync(pipeline, Envelope("gone@dest.test", "here@dest.test"));

        Assert.True(outcome.Accepted);
        Assert.Equal(["gone@dest.test"], outcome.RefusedRecipients);
        Assert.Equal(["rcpt <here@dest.test>"], b.Where(c => c.StartsWith("rcpt", StringComparison.Ordinal)));
        Assert.Contains("eom", a);
        Assert.Contains("eom", b);
    }

    [Fact]
    public async Task Accept_from_one_part_stops_only_that_part_which_gets_its_abort_at_once()
    {
        List<string> a = [], b = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("a", a, actions: ActionFlags.AddHeaders, setUp: h =>
            {
                h.Verdicts[MilterSteps.Mail] = () => MilterVerdict.Accept;
                h.EndOfMessage = m => m.AddHeader("X-A", "never");
            }))
            .Add(Part("b", b, actions: ActionFlags.AddHeaders, setUp: h => h.EndOfMessage = m => m.AddHeader("X-B", "yes")))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.True(outcome.Accepted);
        Assert.Equal(MilterSteps.EndOfMessage, outcome.DecidedAt);
        Assert.Equal("abort", a[a.IndexOf(a.First(c => c.StartsWith("mail", StringComparison.Ordinal))) + 1]);
        Assert.DoesNotContain("eom", a);
        Assert.Contains("eom", b);
        Assert.Null(outcome.Delivered!.Message.Header("X-A"));
        Assert.Equal("yes", outcome.Delivered.Message.Header("X-B"));
    }

    [Fact]
    public async Task When_every_part_accepted_the_pipeline_accepts_and_the_MTA_stops_sending()
    {
        List<string> a = [], b = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("a", a, setUp: h => h.Verdicts[MilterSteps.Mail] = () => MilterVerdict.Accept))
            .Add(Part("b", b, setUp: h => h.Verdicts[MilterSteps.Mail] = () => MilterVerdict.Accept))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.Equal(MilterSteps.Mail, outcome.DecidedAt);
        Assert.Equal(MilterResponseCode.Accept, outcome.Verdict.Code);
    }

    [Fact]
    public async Task Skip_from_one_part_stops_only_its_body_and_skip_goes_to_the_MTA_once_no_part_reads_the_body()
    {
        List<string> a = [], b = [];
        var body = new string('x', 70_000);
        var mail = Mail;
        mail.Body = System.Text.Encoding.ASCII.GetBytes(body + "\r\n" + body + "\r\n");
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("a", a, MilterSteps.Body, setUp: h => h.Verdicts[MilterSteps.Body] = () => MilterVerdict.Skip))
            .Add(Part("b", b, MilterSteps.Body))
            .Build();

        await using (var client = Serve(pipeline))
            Assert.True((await client.SendMessageAsync(Envelope(), mail)).Accepted);

        Assert.Single(Steps(a), c => c.StartsWith("body", StringComparison.Ordinal));
        Assert.True(Steps(b).Count(c => c.StartsWith("body", StringComparison.Ordinal)) > 1);
    }

    [Fact]
    public async Task A_verdict_at_a_step_a_part_declared_no_reply_decides_nothing()
    {
        List<string> a = [], b = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("a", a, noReply: MilterSteps.Mail, setUp: h => h.Verdicts[MilterSteps.Mail] = () => MilterVerdict.Reject()))
            .Add(Part("b", b))
            .Build();

        var outcome = await SendAsync(pipeline);

        Assert.True(outcome.Accepted);
        Assert.Contains("eom", a);
    }

    [Theory]
    [InlineData(MilterSteps.Mail)]
    [InlineData(MilterSteps.EndOfMessage)]
    public async Task A_part_that_throws_gives_the_default_verdict_logged_with_its_name(MilterSteps step)
    {
        List<string> a = [], b = [];
        var log = new ListLogger();
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("broken", a, actions: ActionFlags.AddHeaders, setUp: h =>
            {
                if (step == MilterSteps.Mail)
                    h.Verdicts[MilterSteps.Mail] = () => throw new InvalidOperationException("boom");
                else
                    h.EndOfMessage = m =>
                    {
                        m.AddHeader("X-Half", "made");
                        throw new InvalidOperationException("boom");
                    };
            }))
            .Add(Part("fine", b, actions: ActionFlags.AddHeaders, setUp: h => h.EndOfMessage = m => m.AddHeader("X-Fine", "yes")))
            .WithLogger(log)
            .Build();

        var tempfailed = await SendAsync(pipeline);
        var continued = await SendAsync(pipeline, options: new MilterSessionOptions { ProgressInterval = null, Mta = MtaKind.Postfix, DefaultVerdict = MilterVerdict.Continue });

        Assert.True(tempfailed.Tempfailed);
        Assert.Equal(step, tempfailed.DecidedAt);
        Assert.Contains(log.Entries, e => e.Message.Contains("part broken failed at " + step, StringComparison.Ordinal) && e.Exception?.Message == "boom");
        // With Continue as the default, the failed part is out for the message (its half-made changes too) and the others go on.
        Assert.True(continued.Accepted);
        Assert.Null(continued.Delivered!.Message.Header("X-Half"));
        Assert.Equal("yes", continued.Delivered.Message.Header("X-Fine"));
        Assert.Equal(2, a.Count(c => c is "abort" or "eom"));
    }

    [Fact]
    public async Task Every_part_gets_its_close_and_is_disposed_when_the_connection_ends()
    {
        List<string> a = [], b = [];
        var pipeline = MilterPipeline.Create("p")
            .Add(Part("a", a, setUp: h => h.Verdicts[MilterSteps.Connect] = () => MilterVerdict.Accept))
            .Add(Part("b", b))
            .Build();

        await SendAsync(pipeline);
        for (var i = 0; i < 100 && !(a.Contains("dispose") && b.Contains("dispose")); i++)
            await Task.Delay(20);

        Assert.Equal(["close", "dispose"], a[^2..]);
        Assert.Equal(["close", "dispose"], b[^2..]);
        Assert.DoesNotContain(a, c => c.StartsWith("mail", StringComparison.Ordinal));
    }
}
