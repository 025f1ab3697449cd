using System.Diagnostics;
using System.Globalization;
using Milter.Client;
using Milter.Protocol;

namespace Milter.Cli;

/// <summary>The milter-test command: one message with a full report, or a load run with rate and latency.</summary>
internal static class MilterTestCommand
{
    public const int Accepted = 0;
    public const int Error = 1;
    public const int Rejected = 2;
    public const int Tempfailed = 3;
    public const int Discarded = 4;

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        Options options;
        byte[] raw;
        try
        {
            options = Options.Parse(args);
            raw = await File.ReadAllBytesAsync(options.MessagePath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or OverflowException)
        {
            await output.WriteLineAsync($"milter-test: {e.Message}\n\n{Options.Usage}").ConfigureAwait(false);
            return Error;
        }

        try
        {
            var message = MailMessage.Parse(raw);
            return options.Count > 0
                ? await LoadAsync(options, message, output, cancellationToken).ConfigureAwait(false)
                : await ReportAsync(options, message, output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MilterClientException or MilterProtocolException or IOException or System.Net.Sockets.SocketException or FormatException)
        {
            await output.WriteLineAsync($"milter-test: {e.Message}").ConfigureAwait(false);
            return Error;
        }
    }

    private static async Task<int> ReportAsync(Options options, MailMessage message, TextWriter output, CancellationToken cancellationToken)
    {
        await using var client = await MilterClient.ConnectAsync(options.Address, options.Profile, options.Timeout, cancellationToken).ConfigureAwait(false);
        var negotiated = await client.NegotiateAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"negotiated: {negotiated}").ConfigureAwait(false);

        var outcome = await client.SendMessageAsync(options.Envelope, message, cancellationToken).ConfigureAwait(false);
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
            foreach (var line in LineDiff.Unified(message.ToString(), delivered.Message.ToString(), options.MessagePath, "delivered"))
                await output.WriteLineAsync(line).ConfigureAwait(false);
        }

        return ExitCode(outcome);
    }

    private static async Task<int> LoadAsync(Options options, MailMessage message, TextWriter output, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        var errors = 0;
        var next = 0;
        var started = Stopwatch.GetTimestamp();
        async Task WorkerAsync()
        {
            MilterClient? client = null;
            try
            {
                while (Interlocked.Increment(ref next) <= options.Count && !cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        // One milter connection per worker, as an MTA keeps one per SMTP session.
                        client ??= await MilterClient.ConnectAsync(options.Address, options.Profile, options.Timeout, cancellationToken).ConfigureAwait(false);
                        var begin = Stopwatch.GetTimestamp();
                        await client.SendMessageAsync(options.Envelope, message, cancellationToken).ConfigureAwait(false);
                        var elapsed = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                        lock (latencies)
                            latencies.Add(elapsed);
                    }
                    catch (Exception e) when (e is MilterClientException or MilterProtocolException or IOException or System.Net.Sockets.SocketException)
                    {
                        Interlocked.Increment(ref errors);
                        if (client is not null)
                            await client.DisposeAsync().ConfigureAwait(false);
                        client = null;
                    }
                }
            }
            finally
            {
                if (client is not null)
                    await client.DisposeAsync().ConfigureAwait(false);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken))).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"messages: {latencies.Count} in {seconds:F2} s ({latencies.Count / seconds:F0}/s) over {options.Concurrency} connections; latency p50 {Percentile(0.50):F2} ms, p99 {Percentile(0.99):F2} ms; errors: {errors}"))
            .ConfigureAwait(false);
        return errors == 0 ? Accepted : Error;
    }

    private static int ExitCode(MessageOutcome outcome) =>
        outcome.Rejected ? Rejected
        : outcome.Tempfailed ? Tempfailed
        : outcome.Discarded ? Discarded
        : outcome.Accepted ? Accepted
        : Error;

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
