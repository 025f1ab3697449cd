using Milter.Protocol;

namespace Milter.Testing.Tests;

/// <summary>
/// A recorded conversation replayed against a filter: the MTA's side as it was, the filter's own answers deciding.
/// The captures are real (Postfix 3.7 and Sendmail 8.17 with a libmilter milter); the filters here behave like it,
/// or decide earlier, as a changed filter would.
/// </summary>
public class ReplayTests
{
    private static string CapturePath(string file) => Path.Combine(AppContext.BaseDirectory, "Captures", file);

    [Theory]
    [InlineData("postfix-3.7-libmilter-e2e.txt")]
    [InlineData("sendmail-8.17-libmilter-e2e.txt")]
    public async Task A_filter_that_does_what_the_recorded_milter_did_gives_the_same_outcome(string file)
    {
        var results = await MilterTest.ReplayAsync<HarnessLike>(CapturePath(file), cancellationToken: TestContext.Current.CancellationToken);

        var recorded = Milter.Client.MilterCapture.Load(CapturePath(file)).Connections.SelectMany(c => c.Packets);
        Assert.Equal(recorded.Count(p => p.FromMta && p.Command == (byte)MilterCommandCode.EndOfBody), results.Count);
        var rejected = Assert.Single(results, r => r.Rejected);
        Assert.Equal(new ReplyCodeResponse(SmtpReply.Create(550, "5.7.1", "Rejected by harness milter: subject contains REJECTME")), rejected.Verdict);
        foreach (var accepted in results.Where(r => !r.Rejected))
        {
            accepted.AssertHeaderAdded("X-Harness", "Milter for .NET");
            accepted.AssertRecipientAdded("harness-added@example.net");
            Assert.StartsWith("[harness] E2E ", accepted.AssertAccepted().Subject, StringComparison.Ordinal);
        }

        Assert.Equal(3, results.Single(r => r.Message?.Headers["X-E2E-Case"] == "multi-rcpt").Recipients.Count - 1);
    }

    [Fact]
    public async Task A_filter_that_refuses_at_MAIL_is_not_sent_the_rest_of_each_message()
    {
        var results = await MilterTest.ReplayAsync<RefusesAtMail>(CapturePath("postfix-3.7-libmilter-session-mixed.txt"),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Equal((true, MilterSteps.Mail), (r.Tempfailed, r.DecidedAt)));
    }

    [Fact]
    public async Task A_filter_that_accepts_at_RCPT_delivers_the_recorded_message_unchanged()
    {
        var results = await MilterTest.ReplayAsync<AcceptsAtRcpt>(CapturePath("sendmail-8.17-libmilter-e2e.txt"),
            cancellationToken: TestContext.Current.CancellationToken);

        var simple = results.Single(r => r.Message?.Headers["X-E2E-Case"] == "simple");
        Assert.Equal((MilterSteps.Rcpt, MilterResponseCode.Accept), (simple.DecidedAt, simple.Verdict.Code));
        Assert.Equal("E2E simple message", simple.AssertAccepted().Subject);
        Assert.Empty(simple.Actions);
    }

    [Fact]
    public async Task A_damaged_capture_says_where()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("milter-replay-").FullName, "bad.txt");
        await File.WriteAllTextAsync(path, "# --- connection 1: x\n> 0000000d4f0000\n", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => MilterTest.ReplayAsync<AcceptsAtRcpt>(path));

        Assert.Equal("bad.txt, line 2: the length field does not match the packet's 7 bytes.", error.Message);
    }
}

/// <summary>Does what the recorded libmilter milter did: adds a header and a recipient, tags the subject, rejects REJECTME.</summary>
[MailFilter("harness-like")]
public sealed partial class HarnessLike
{
    private string _subject = string.Empty;

    [OnHeader]
    public void Header(string name, string value)
    {
        if (name.Equals("Subject", StringComparison.OrdinalIgnoreCase))
            _subject = value;
    }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        if (_subject.Contains("REJECTME", StringComparison.Ordinal))
            return MilterVerdict.Reject(550, "5.7.1", "Rejected by harness milter: subject contains REJECTME");
        message.AddHeader("X-Harness", "Milter for .NET");
        message.AddRecipient("<harness-added@example.net>");
        message.ChangeHeader("Subject", "[harness] " + _subject.Replace("\n", string.Empty, StringComparison.Ordinal));
        return MilterVerdict.Accept;
    }
}

/// <summary>Tempfails every message at MAIL.</summary>
[MailFilter]
public sealed partial class RefusesAtMail
{
    [OnMail]
    public MilterVerdict Mail(string sender) => MilterVerdict.Tempfail();
}

/// <summary>Accepts every message at its first recipient, without looking at the rest.</summary>
[MailFilter]
public sealed partial class AcceptsAtRcpt
{
    [OnRcpt]
    public MilterVerdict Rcpt(string recipient) => MilterVerdict.Accept;
}
