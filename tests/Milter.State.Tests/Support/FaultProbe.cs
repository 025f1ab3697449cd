using System.Diagnostics;

namespace Milter.State.Tests.Support;

/// <summary>
/// Decisions as a milter makes them (Greylist's: is the triplet known, record the first attempt), timed from the call to
/// the verdict: what an MTA waits for. Each measured fault also becomes a row of docs/scaling.md's table, on the test's output.
/// </summary>
public static class FaultProbe
{
    /// <summary>The time budget the fault tests run with: the default.</summary>
    public static readonly TimeSpan Budget = new MilterStoreOptions().Timeout;

    /// <summary>Generous: the machine is shared and busy; what matters is that no answer waits for the client's own timeouts on top.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(1.5);

    /// <summary>The verdict of a decision the store could make: a first attempt, greylisted.</summary>
    public static readonly MilterVerdict Decided = MilterVerdict.Tempfail(451, "4.7.1", "Greylisted");

    /// <summary>What a decision answers when the store is unavailable and <paramref name="action"/> is configured.</summary>
    public static MilterVerdict Expected(StoreUnavailableAction action) => action == StoreUnavailableAction.Continue ? MilterVerdict.Continue : MilterStore.UnavailableVerdict;

    public static async Task<(MilterVerdict Verdict, TimeSpan Elapsed)> DecideAsync(MilterStore store)
    {
        var triplet = Stores.Unique("triplet");
        var clock = Stopwatch.StartNew();
        var verdict = await store.DecideAsync(async ct =>
        {
            if (await store.SetContainsAsync("greylist:passed", triplet, ct))
                return MilterVerdict.Continue;
            await store.CompareAndSetAsync("greylist:seen:" + triplet, null, "1", TimeSpan.FromHours(1), ct);
            return Decided;
        });
        return (verdict, clock.Elapsed);
    }

    /// <summary><paramref name="count"/> decisions, <paramref name="concurrency"/> at a time, as that many SMTP sessions would ask.</summary>
    public static async Task<(MilterVerdict Verdict, TimeSpan Elapsed)[]> DecideManyAsync(MilterStore store, int count, int concurrency)
    {
        var results = new List<(MilterVerdict, TimeSpan)>();
        for (var started = 0; started < count; started += concurrency)
            results.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count - started)).Select(_ => DecideAsync(store))));
        return [.. results];
    }

    /// <summary>The <paramref name="percent"/>th percentile of the times.</summary>
    public static TimeSpan Percentile(IEnumerable<TimeSpan> times, double percent)
    {
        var sorted = times.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>
    /// Writes a row of the fault table (the fault, the kind reported, the answer, the median and slowest answer) on the
    /// test's output, and appends it to the file <c>MILTER_FAULT_TABLE</c> names, if any: docs/scaling.md's table is made so.
    /// </summary>
    public static void Report(ITestOutputHelper output, string fault, StoreFault kind, StoreUnavailableAction action, IEnumerable<TimeSpan> times)
    {
        var list = times.ToArray();
        Report(output, FormattableString.Invariant(
            $"| {fault} | {kind} | {(action == StoreUnavailableAction.Continue ? "Continue" : "451 4.3.0")} | {Percentile(list, 50).TotalMilliseconds:0} ms | {list.Max().TotalMilliseconds:0} ms |"));
    }

    /// <summary>Writes a measurement on the test's output and to <c>MILTER_FAULT_TABLE</c>'s file.</summary>
    public static void Report(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("MILTER_FAULT_TABLE") is { Length: > 0 } file)
        {
            lock (typeof(FaultProbe))
                File.AppendAllText(file, line + "\n");
        }
    }
}
