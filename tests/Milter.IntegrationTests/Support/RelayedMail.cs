namespace Milter.IntegrationTests.Support;

/// <summary>
/// Two private Postfix instances in a row, as mail really travels: the sending one (no milter; its queue keeps and
/// retries what is deferred) relays to the receiving one, whose smtpd asks the milter and whose sink gets the mail.
/// </summary>
internal sealed class RelayedMail : IAsyncDisposable
{
    private RelayedMail(PostfixInstance sender, PostfixInstance receiver) => (Sender, Receiver) = (sender, receiver);

    public PostfixInstance Sender { get; }

    public PostfixInstance Receiver { get; }

    /// <summary>Starts the receiving instance with <paramref name="milter"/> (Postfix syntax), then the sending one.</summary>
    public static async Task<RelayedMail> StartAsync(string milter)
    {
        var receiver = await PostfixInstance.StartAsync(milter);
        try
        {
            return new RelayedMail(await PostfixInstance.StartRelayingAsync(receiver.SmtpPort), receiver);
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary>Submits messages "message FIRST" to "message FIRST+COUNT-1" to the sending instance, over one SMTP session.</summary>
    public async Task SubmitAsync(int first, int count, string recipient = "rcpt@dest.test")
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(Sender.SmtpPort);
        for (var i = first; i < first + count; i++)
        {
            var answer = await smtp.SendAsync("sender@origin.test", [recipient], $"From: <sender@origin.test>\nTo: <{recipient}>\nSubject: message {i}\n\nHello.\n");
            if (answer.Code != 250)
                throw new InvalidOperationException($"The sending Postfix refused message {i}: {answer}");
        }
    }

    /// <summary>The subjects of the messages the receiving instance delivered, once per delivery.</summary>
    public async Task<IReadOnlyList<string>> DeliveredAsync() => [.. (await Receiver.DeliveredAsync()).Select(m => m.Header("Subject") ?? "")];

    /// <summary>What was delivered and what waits, and why: for a failure message.</summary>
    public async Task<string> DescribeAsync()
    {
        var delivered = await DeliveredAsync();
        var queued = await Sender.QueuedAsync();
        return $"{delivered.Count} delivered ({string.Join(", ", delivered.Order())}); {queued.Count} queued: "
            + string.Join("; ", queued.Select(q => $"{q.QueueId} {q.Queue} {string.Join(" ", q.Reasons)}"))
            + $"\nThe sending Postfix's log ends:\n{string.Join('\n', Sender.MailLog.Split('\n').TakeLast(25))}";
    }

    public async ValueTask DisposeAsync()
    {
        await Sender.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
