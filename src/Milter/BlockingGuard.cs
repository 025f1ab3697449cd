namespace Milter;

/// <summary>
/// Keeps handlers that block their thread (a synchronous lookup, <c>Thread.Sleep</c>) from starving the thread pool,
/// which also runs every connection's I/O and timers: while a handler call has held its thread for more than half a
/// second, the pool's minimum is raised by one, so the pool adds a thread at once instead of one or two a second, and
/// it is lowered again when the call lets go. A watchdog thread outside the pool does the counting.
/// </summary>
internal static class BlockingGuard
{
    private const long BlockedAfterMilliseconds = 500;

    private static readonly Lock s_lock = new();
    private static readonly HashSet<Slot> s_calls = [];
    private static Thread? s_watchdog;

    /// <summary>Marks the start of a call's synchronous part. The slot is the caller's own and is reused call after call.</summary>
    public static void Enter(Slot slot)
    {
        slot.Started = Environment.TickCount64;
        slot.Compensated = false;
        lock (s_lock)
        {
            s_calls.Add(slot);
            if (s_watchdog is null)
            {
                s_watchdog = new Thread(Watch) { IsBackground = true, Name = "Milter blocking guard" };
                s_watchdog.Start();
            }
        }
    }

    /// <summary>Marks its end.</summary>
    public static void Exit(Slot slot)
    {
        lock (s_lock)
        {
            s_calls.Remove(slot);
            if (slot.Compensated)
                AdjustMinimum(-1);
        }
    }

    private static void Watch()
    {
        while (true)
        {
            Thread.Sleep(250);
            var now = Environment.TickCount64;
            lock (s_lock)
            {
                foreach (var call in s_calls)
                {
                    if (!call.Compensated && now - call.Started > BlockedAfterMilliseconds)
                    {
                        call.Compensated = true;
                        AdjustMinimum(+1);
                    }
                }
            }
        }
    }

    private static void AdjustMinimum(int change)
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(1, workers + change), completionPorts);
    }

    /// <summary>Where one caller's call in its synchronous part is tracked; owned by the caller so a call allocates nothing.</summary>
    internal sealed class Slot
    {
        public long Started { get; set; }

        public bool Compensated { get; set; }
    }
}
