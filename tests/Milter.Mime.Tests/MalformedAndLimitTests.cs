using System.Diagnostics;
using System.Text;
using Milter.Mime.Tests.Support;
using Milter.Protocol;

namespace Milter.Mime.Tests;

/// <summary>Hostile messages: a first header MimeKit would refuse, and more parts or decoded bytes than the limits allow.</summary>
public sealed class MalformedAndLimitTests
{
    private static MessageCapture Capture(string message, MessageCaptureOptions? options = null)
    {
        var capture = new MessageCapture(options);
        var parsed = Client.MailMessage.Parse(Encoding.ASCII.GetBytes(message));
        foreach (var (name, value) in parsed.Headers)
            capture.AddHeader(name, value);
        capture.AddBody(parsed.Body.Span);
        return capture;
    }

    private const string MalformedFirst =
        "X Spam Score: 7\r\nFrom: <a@example.org>\r\nSubject: invoice\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        + "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: application/octet-stream; name=\"run.exe\"\r\n"
        + "Content-Disposition: attachment; filename=\"run.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n";

    [Fact]
    public void A_message_whose_first_header_name_is_malformed_is_still_parsed_and_scanned()
    {
        using var capture = Capture(MalformedFirst);

        Assert.Null(capture.OverLimitVerdict);
        Assert.Equal("invoice", capture.Message.Subject);
        Assert.StartsWith("X Spam Score", capture.Message.Headers[0].Field, StringComparison.Ordinal);
        using (var wellFormed = Capture(MalformedFirst.Replace("X Spam Score", "X-Spam-Score", StringComparison.Ordinal)))
            Assert.Equal(wellFormed.Size, capture.Size); // the placeholder is not counted
        var removed = new AttachmentPolicy().Apply(capture.Message);
        Assert.Equal("run.exe", Assert.Single(removed).FileName);
    }

    [Fact]
    public async Task The_malformed_header_survives_a_rewrite_untouched()
    {
        var (outcome, changes) = await RewritingMilter.RunAsync(Encoding.ASCII.GetBytes(MalformedFirst), m => m.Subject = "[checked] invoice");

        var change = Assert.IsType<ChangeHeaderResponse>(Assert.Single(outcome.Actions));
        Assert.Equal(("Subject", "[checked] invoice"), (change.Name, change.Value));
        Assert.Equal(1, changes.HeaderActions);
    }

    /// <summary>A multipart message of <paramref name="parts"/> one-line text parts.</summary>
    private static string ManyParts(int parts)
    {
        var message = new StringBuilder("From: <a@example.org>\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        for (var i = 0; i < parts; i++)
            message.Append("--b\r\n\r\nx\r\n");
        return message.Append("--b--\r\n").ToString();
    }

    [Fact]
    public void A_message_of_too_many_parts_gets_the_policy_verdict_without_being_parsed()
    {
        using var capture = Capture(ManyParts(50_000), new MessageCaptureOptions { MemoryLimit = 16L * 1024 * 1024 });

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        var verdict = capture.OverLimitVerdict;
        var took = Stopwatch.GetElapsedTime(started);
        var cost = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal(MilterVerdict.Tempfail(451, "4.7.0", "Message too complex to be checked now"), verdict);
        Assert.Equal("The message is over a limit: it has more than 1000 MIME parts (MaxParts).", capture.OverLimitReason);
        var error = Assert.Throws<MimeLimitException>(() => capture.Message);
        Assert.Equal(verdict, error.Verdict);
        // Stopped at part 1001: a few megabytes at most, where parsing all 50,000 parts costs about 65 MB.
        Assert.True(cost < 8 * 1024 * 1024, $"{cost} bytes allocated to check the limits");
        Assert.True(took < TimeSpan.FromSeconds(2), $"{took} to check the limits");
    }

    [Theory]
    [InlineData(MimeLimitAction.Reject, "554 5.6.0 Message too complex to be checked")]
    [InlineData(MimeLimitAction.Accept, "accept")]
    [InlineData(MimeLimitAction.Tempfail, "451 4.7.0 Message too complex to be checked now")]
    public void The_policy_picks_the_verdict(MimeLimitAction action, string expected)
    {
        using var capture = Capture(ManyParts(20), new MessageCaptureOptions { MaxParts = 10, OverLimit = action });

        var verdict = capture.OverLimitVerdict!.Value;
        Assert.Equal(expected, verdict.Reply?.ToString() ?? verdict.Kind.ToString().ToLowerInvariant());
    }

    [Fact]
    public void Parts_that_decode_to_more_than_the_limit_are_over_it_and_a_message_within_both_limits_is_not()
    {
        var attachment = new byte[120_000];
        var message = Encoding.ASCII.GetString(TestMessages.WithAttachments(("data.bin", attachment)));

        using var over = Capture(message, new MessageCaptureOptions { MaxDecodedSize = 100_000 });
        using var within = Capture(message, new MessageCaptureOptions { MaxDecodedSize = 130_000 });

        Assert.Equal("The message is over a limit: its parts hold more than 100000 bytes once decoded (MaxDecodedSize).", over.OverLimitReason);
        Assert.Null(within.OverLimitVerdict);
        Assert.Single(within.Message.Attachments);
    }
}
