using DiffPlex.Renderer;
using Milter.Client;
using Milter.Protocol;

namespace Milter.Cli;

/// <summary>One message through the milter, reported in full: the negotiation, each change, the verdict and a diff of the delivered message.</summary>
internal static class SendReport
{
    public static async Task<int> RunAsync(SendRequest request, MailMessage message, TextWriter output, CancellationToken cancellationToken)
    {
        await using var client = await request.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var negotiated = await client.NegotiateAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"negotiated: {negotiated}").ConfigureAwait(false);

        var outcome = await client.SendMessageAsync(request.Envelope, message, cancellationToken).ConfigureAwait(false);
        await client.QuitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var action in outcome.Actions)
            await output.WriteLineAsync($"action: {Describe(action)}").ConfigureAwait(false);
        foreach (var refused in outcome.RefusedRecipients)
            await output.WriteLineAsync($"refused recipient: {refused}").ConfigureAwait(false);
        await output.WriteLineAsync($"verdict: {Describe(outcome.Verdict)} at {outcome.DecidedAt}").ConfigureAwait(false);

        if (outcome.Delivered is { } delivered)
        {
            if (outcome.QuarantineReason is not null)
                await output.WriteLineAsync($"quarantined: {outcome.QuarantineReason}").ConfigureAwait(false);
            await output.WriteLineAsync($"envelope: from {delivered.Sender} to {string.Join(", ", delivered.Recipients)}").ConfigureAwait(false);
            await output.WriteAsync(Diff(message.ToString(), delivered.Message.ToString(), request.MessagePath)).ConfigureAwait(false);
        }

        return ExitCode(outcome);
    }

    /// <summary>A unified diff with three lines of context; nothing when the milter changed nothing.</summary>
    private static string Diff(string before, string after, string beforeName) =>
        UnidiffRenderer.GenerateUnidiff(WithoutFinalLineEnd(before), WithoutFinalLineEnd(after), beforeName, "delivered");

    /// <summary>A message ends with CRLF; without this, the diff would show an empty last line as context.</summary>
    private static string WithoutFinalLineEnd(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;

    private static int ExitCode(MessageOutcome outcome) =>
        outcome.Rejected ? ExitCodes.Rejected
        : outcome.Tempfailed ? ExitCodes.Tempfailed
        : outcome.Discarded ? ExitCodes.Discarded
        : outcome.Accepted ? ExitCodes.Accepted
        : ExitCodes.Error;

    private static string Describe(MilterResponse response) => response switch
    {
        AddHeaderResponse a => $"add header {a.Name}: {a.Value}",
        InsertHeaderResponse i => $"insert header at {i.Index} {i.Name}: {i.Value}",
        ChangeHeaderResponse { Value.Length: 0 } c => $"delete header {c.Name} #{c.Index}",
        ChangeHeaderResponse c => $"change header {c.Name} #{c.Index}: {c.Value}",
        ChangeSenderResponse s => $"change sender to {s.Sender} {s.Parameters}".TrimEnd(),
        AddRecipientResponse r => $"add recipient {r.Recipient}",
        AddRecipientWithParametersResponse r => $"add recipient {r.Recipient} {r.Parameters}".TrimEnd(),
        DeleteRecipientResponse r => $"delete recipient {r.Recipient}",
        ReplaceBodyResponse b => $"replace body ({b.Body.Length} bytes)",
        QuarantineResponse q => $"quarantine: {q.Reason}",
        ReplyCodeResponse y => $"reply {y.Reply}",
        _ => response.Code.ToString().ToLowerInvariant(),
    };
}
