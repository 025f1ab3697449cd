using System.Diagnostics;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>Our milter and a private Postfix that uses it in smtpd_milters, once for all the Postfix tests.</summary>
public sealed class PostfixFixture : MtaFixture
{
    private protected override string? Unavailable() => PostfixInstance.Unavailable();

    // The reference milter (libmilter) answers in small separate writes, which stall on delayed ACKs: the timing test
    // uses the other port, where only our milters are.
    private protected override async Task<MtaInstance> StartAsync(int[] ourPorts, int? referencePort) =>
        await PostfixInstance.StartAsync(Milters([.. ourPorts, .. referencePort is { } port ? new[] { port } : []]), Milters(ourPorts));

    private static string Milters(IEnumerable<int> ports) => string.Join(' ', ports.Select(port => $"inet:127.0.0.1:{port}"));
}

/// <summary>The shared cases behind a real Postfix 3.7, and what only Postfix does.</summary>
public sealed class PostfixTests(PostfixFixture fixture) : MtaTests(fixture), IClassFixture<PostfixFixture>
{
    private PostfixInstance Postfix => (PostfixInstance)Mta;

    internal override Milter.Client.MtaProfile ClientProfile => Milter.Client.MtaProfile.Postfix;

    // For a local client (local_header_rewrite_clients) Postfix adds a missing Message-Id, Date and From (their Resent-
    // forms in a resent message) at the end of the headers before the milters see them, so a milter is shown them.
    private protected override IReadOnlyList<KeyValuePair<string, string>> ShownToMilters(IReadOnlyList<KeyValuePair<string, string>> sent)
    {
        var prefix = sent.Any(h => h.Key.StartsWith("Resent-", StringComparison.OrdinalIgnoreCase)) ? "Resent-" : "";
        var missing = new[] { "Message-Id", "Date", "From" }.Select(name => prefix + name)
            .Where(name => !sent.Any(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)));
        return [.. sent, .. missing.Select(name => new KeyValuePair<string, string>(name, " (generated)"))];
    }

    // An add makes two when Postfix generated one and showed it; it generates no Resent-Date for a message that is not resent.
    private protected override int Copies(string operation, string name, bool present) => operation switch
    {
        "delete" => 0,
        "add" => present || name != "Resent-Date" ? 2 : 1,
        _ => 1,
    };

    // Postfix makes the change and drops the argument, with only a warning in its log.
    private protected override void UncheckedArgumentsOutcome(
        (DeliveredMessage Delivered, IReadOnlyList<string> StrayLines) sender, (DeliveredMessage Delivered, IReadOnlyList<string> StrayLines) recipient)
    {
        Assert.Equal("<py-sender@origin.test>", sender.Delivered.Sender);
        Assert.DoesNotContain("XFOO", sender.Delivered.SenderArguments, StringComparison.Ordinal);
        Assert.Contains("<py-added@dest.test>", recipient.Delivered.Recipients);
        Assert.DoesNotContain("XFOO", recipient.Delivered.RecipientArguments["<py-added@dest.test>"], StringComparison.Ordinal);
        Assert.Matches("warning: .*XFOO=1", Postfix.MailLog);
        Assert.Empty(sender.StrayLines.Concat(recipient.StrayLines));
    }

    [Fact]
    public async Task A_discarded_message_is_accepted_and_never_delivered()
    {
        var postfix = Postfix;
        var queueId = await SendAcceptedAsync("discard");
        await postfix.WaitForLogAsync(queueId, "milter-discard");
        Assert.DoesNotContain($"{queueId}: to=", postfix.MailLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postfix_puts_a_quarantined_message_in_the_hold_queue_and_logs_no_reason()
    {
        var postfix = Postfix;
        var queueId = await SendAcceptedAsync("quarantine");
        // Postfix logs the hold, not the milter's reason text.
        await postfix.WaitForLogAsync(queueId, "milter-hold: END-OF-MESSAGE");
        var queue = await postfix.QueueListingAsync();
        Assert.Contains($"\"queue_id\": \"{queueId}\"", queue, StringComparison.Ordinal);
        Assert.Contains("\"queue_name\": \"hold\"", queue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_milter_adds_no_delayed_ACK_stall_per_message()
    {
        // Milters that write each action as its own small packet stall ~40 ms per message against Postfix's
        // delayed ACKs. Compare the time per message through the milter with the same Postfix without it.
        var postfix = Postfix;
        const int Messages = 15;
        var withMilter = await TimeMessagesAsync(postfix.OtherSmtpPort, Messages);
        var without = await TimeMessagesAsync(postfix.PlainSmtpPort, Messages);

        var extra = Median(withMilter) - Median(without);
        TestContext.Current.SendDiagnosticMessage($"median per message: with milter {Median(withMilter):F1} ms, without {Median(without):F1} ms");
        Assert.True(extra < 25, $"The milter adds {extra:F1} ms per message (with {Median(withMilter):F1} ms, without {Median(without):F1} ms).");
    }

    private static async Task<List<double>> TimeMessagesAsync(int port, int count)
    {
        var times = new List<double>();
        await using var smtp = await SmtpTestClient.ConnectAsync(port);
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message("add-header", extraHeaders: "X-Timing: yes\n"));
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.Equal(250, answer.Code);
        }

        return times;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
