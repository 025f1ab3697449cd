// actions: Throttle = None
// runs: Throttle = Continue; none
// A policy milter that decides and changes nothing: shared state, macros, multi-line replies, an async check.
using System.Collections.Concurrent;

namespace Corpus.Throttling;

[MailFilter("throttle")]
public sealed partial class Throttle
{
    private static readonly ConcurrentDictionary<string, int> Counts = new(StringComparer.Ordinal);
    private string _client = "unknown";

    [OnConnect]
    public MilterVerdict Connect(ConnectionInfo connection, [Macro("{client_addr}")] string? address)
    {
        _client = address ?? connection.Address ?? "unknown";
        return Counts.AddOrUpdate(_client, 1, (_, n) => n + 1) > 100
            ? MilterVerdict.Tempfail(421, "4.7.0", "Too many connections", "from your address")
            : MilterVerdict.Continue;
    }

    [OnMail]
    public async ValueTask<MilterVerdict> Mail(Sender sender, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken);
        return sender.Address.Length > 300 ? MilterVerdict.Reject(553, "5.1.7", "Sender address too long") : MilterVerdict.Continue;
    }

    [OnClose]
    public void Close() => Counts.AddOrUpdate(_client, 0, (_, n) => Math.Max(0, n - 1));
}
