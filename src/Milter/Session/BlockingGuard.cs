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
    // Weak: a slot goes with its owner (a call object dropped from the spares, or left running and returned at last).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Slot, Slot> s_calls = [];
    private static Thread? s_watchdog;

    /// <summary>
    /// Marks the start of a call's synchronous part. The slot is the caller's own and is reused call after call; it is
    /// registered at its first call, so a call takes no lock.
    /// </summary>
    public static void Enter(Slot slot)
    {
        if (!slot.Registered)
            Register(slot);
        slot.Started = Environment.TickCount64;
        Volatile.Write(ref slot.State, Slot.Running);
    }

    /// <summary>Marks its end.</summary>
    public static void Exit(Slot slot)
    {
        if (Interlocked.CompareExchange(ref slot.State, Slot.Idle, Slot.Running) == Slot.Running)
            return;
        // The watchdog raised the minimum for this call: it comes down again.
        Volatile.Write(ref slot.State, Slot.Idle);
        lock (s_lock)
            AdjustMinimum(-1);
    }

    private static void Register(Slot slot)
    {
        lock (s_lock)
        {
            s_calls.Add(slot, slot);
            slot.Registered = true;
            if (s_watchdog is null)
            {
                s_watchdog = new Thread(Watch) { IsBackground = true, Name = "Milter blocking guard" };
                s_watchdog.Start();
            }
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
                foreach (var (call, _) in s_calls)
                {
                    // Started is read after State: a call that began since has a fresh time, or its State is not Running yet.
                    if (Volatile.Read(ref call.State) == Slot.Running && now - call.Started > BlockedAfterMilliseconds
                        && Interlocked.CompareExchange(ref call.State, Slot.Compensated, Slot.Running) == Slot.Running)
                        AdjustMinimum(+1);
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
        public const int Idle = 0;
        public const int Running = 1;
        public const int Compensated = 2;

        /// <summary>Idle, Running, or Compensated (running, and the pool's minimum was raised for it).</summary>
        public int State;

        public long Started;

        public bool Registered;
    }
}
