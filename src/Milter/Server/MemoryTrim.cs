namespace Milter.Server;

/// <summary>
/// Gives memory back to the system after a burst: when the connections or the receive buffers held at a peak (an attack,
/// a flood of connections) have mostly gone, their memory is garbage that a milter at rest would keep for good, because
/// without allocations no collection runs. One compacting collection that returns free memory to the system then runs,
/// at most every 30 seconds (a later one waits its turn), and only after a peak worth it.
/// </summary>
internal sealed class MemoryTrim
{
    private const long WorthBytes = 32L * 1024 * 1024;
    private const int WorthConnections = 1000;
    private static readonly long Interval = (long)TimeSpan.FromSeconds(30).TotalMilliseconds;

    private readonly Lock _lock = new();
    private long _peakBytes;
    private int _peakConnections;
    private long _lastTrim = -Interval;
    private bool _pending;

    /// <summary>Called as connections end, with what is held now.</summary>
    public void Observe(int connections, long bufferedBytes)
    {
        long delay;
        lock (_lock)
        {
            _peakConnections = Math.Max(_peakConnections, connections);
            _peakBytes = Math.Max(_peakBytes, bufferedBytes);
            var drained = (_peakConnections >= WorthConnections && connections <= _peakConnections / 8)
                || (_peakBytes >= WorthBytes && bufferedBytes <= _peakBytes / 8);
            if (!drained || _pending)
                return;
            (_peakConnections, _peakBytes, _pending) = (connections, bufferedBytes, true);
            delay = Math.Max(0, _lastTrim + Interval - Environment.TickCount64);
        }

        _ = TrimAsync(delay);
    }

    private async Task TrimAsync(long delay)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(delay)).ConfigureAwait(false);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        lock (_lock)
            (_lastTrim, _pending) = (Environment.TickCount64, false);
    }
}
