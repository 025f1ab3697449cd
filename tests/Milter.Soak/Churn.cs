using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Milter.Client;

namespace Milter.Soak;

/// <summary>Connections opened, used for one to five messages, then quit or closed without QUIT (as Postfix does); memory sampled.</summary>
internal static class Churn
{
    private static readonly MailMessage Message = MailMessage.Parse(Encoding.ASCII.GetBytes(
        "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: soak\r\n\r\n" + string.Concat(Enumerable.Repeat("A line of the soak body.\r\n", 200))));

    public static async Task<int> RunAsync(string address, int pid, TimeSpan duration, int concurrency)
    {
        var started = Stopwatch.GetTimestamp();
        long connections = 0, messages = 0, errors = 0;
        using var stop = new CancellationTokenSource(duration);
        var samples = Task.Run(async () =>
        {
            Attacks.Print("soak: minute, connections, messages, errors, RSS MiB, files open, CLOSE-WAIT");
            while (!stop.IsCancellationRequested)
            {
                Attacks.Print($"soak: {Stopwatch.GetElapsedTime(started).TotalMinutes:F1}, {Interlocked.Read(ref connections)}, {Interlocked.Read(ref messages)}, "
                    + $"{Interlocked.Read(ref errors)}, {MilterProcess.ResidentMiB(pid):F0}, {MilterProcess.OpenFiles(pid)}, {MilterProcess.CloseWait(pid)}");
                await Task.Delay(TimeSpan.FromSeconds(60), CancellationToken.None);
            }
        });

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await using var client = await MilterClient.ConnectAsync(address);
                    Interlocked.Increment(ref connections);
                    for (var m = random.Next(1, 6); m > 0; m--)
                    {
                        var outcome = await client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]), Message);
                        Interlocked.Increment(ref outcome.Accepted ? ref messages : ref errors);
                    }

                    if (random.Next(2) == 0)
                        await client.QuitAsync();
                    // Paced: a soak is about time, and the machine is shared.
                    await Task.Delay(20, CancellationToken.None);
                }
                catch (Exception e) when (e is MilterClientException or SocketException or IOException or InvalidOperationException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        await samples;
        Attacks.Print($"soak: done: {connections} connections, {messages} messages, {errors} errors in {duration.TotalMinutes} min; RSS {MilterProcess.ResidentMiB(pid):F0} MiB, {MilterProcess.CloseWait(pid)} in CLOSE-WAIT");
        return errors == 0 ? 0 : 1;
    }
}
