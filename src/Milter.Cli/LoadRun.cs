using System.Diagnostics;
using System.Globalization;
using Milter.Client;
using Milter.Protocol;

namespace Milter.Cli;

/// <summary>The same message sent many times over several connections at once, reported as a rate and latency percentiles.</summary>
internal static class LoadRun
{
    public static async Task<int> RunAsync(SendRequest request, MailMessage message, TextWriter output, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        var errors = 0;
        string? firstError = null;
        var next = 0;
        var started = Stopwatch.GetTimestamp();
        async Task WorkerAsync()
        {
            MilterClient? client = null;
            try
            {
                while (Interlocked.Increment(ref next) <= request.Count && !cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        // One milter connection per worker, as an MTA keeps one per SMTP session.
                        client ??= await request.ConnectAsync(cancellationToken).ConfigureAwait(false);
                        var begin = Stopwatch.GetTimestamp();
                        await client.SendMessageAsync(request.Envelope, message, cancellationToken).ConfigureAwait(false);
                        var elapsed = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                        lock (latencies)
                            latencies.Add(elapsed);
                    }
                    catch (Exception e) when (e is CommandException or MilterClientException or MilterProtocolException or IOException)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, e.Message, null);
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

        await Task.WhenAll(Enumerable.Range(0, request.Concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken))).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"messages: {latencies.Count} in {seconds:F2} s ({latencies.Count / seconds:F0}/s) over {request.Concurrency} connections; latency p50 {Percentile(0.50):F2} ms, p99 {Percentile(0.99):F2} ms; errors: {errors}"))
            .ConfigureAwait(false);
        if (firstError is not null)
            await output.WriteLineAsync($"first error: {firstError}").ConfigureAwait(false);
        return errors == 0 ? ExitCodes.Accepted : ExitCodes.Error;
    }
}
