namespace Milter.Server;

/// <summary>
/// Lets one log line through per interval for an event that can repeat thousands of times a second (refused
/// connections, failed accepts), and counts the ones held back so the next line can say how many there were.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval)
{
    private long _nextTimestamp;
    private int _heldBack;

    /// <summary>True when this occurrence should be logged; <paramref name="heldBack"/> is how many were not since the last.</summary>
    public bool ShouldLog(out int heldBack)
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextTimestamp);
        if (now < next || Interlocked.CompareExchange(ref _nextTimestamp, now + (long)interval.TotalMilliseconds, next) != next)
        {
            Interlocked.Increment(ref _heldBack);
            heldBack = 0;
            return false;
        }

        heldBack = Interlocked.Exchange(ref _heldBack, 0);
        return true;
    }
}
