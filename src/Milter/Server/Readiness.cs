using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Milter.Server;

/// <summary>
/// Tells receive loops that their sockets became readable, on Linux x64, from an epoll set of our own: the loop then
/// runs on the thread that saw the edge, where .NET's socket engine would hand each completion to the thread pool (a
/// thread wake-up and a second receive per round trip). One loop thread per core waits on the set.
/// </summary>
/// <remarks>
/// Handler calls run on these threads too (the receive loop runs the call its session left once it waits again), so a
/// handler that blocks its thread would hold the events of other connections: a watchdog gives a loop thread that has
/// been busy for <see cref="BusyLimit"/> a replacement, and the busy one ends when its work returns. A blocked handler
/// therefore delays the other connections' events by that limit and half of it (the watchdog's tick) at most, once.
/// </remarks>
internal sealed unsafe partial class Readiness
{
    /// <summary>How long a loop thread may be away from its wait before another takes its place.</summary>
    public static readonly TimeSpan BusyLimit = TimeSpan.FromMilliseconds(50);

    private const int EpollCtlAdd = 1;
    private const uint EpollIn = 0x001;
    private const uint EpollReadHangUp = 0x2000;
    private const uint EpollEdgeTriggered = 1u << 31;
    private const int EventsPerWait = 8;
    private const int IdleTicksBeforeSleep = 40; // a second of ticks that found every loop waiting

    private static readonly Lazy<Readiness?> s_shared = new(Create);

    private readonly int _epoll;
    private readonly ConcurrentDictionary<long, ReadinessWait> _waits = new();
    private readonly List<LoopThread> _loops = [];
    private long _lastId;
    private int _watchdogAsleep;
    private readonly ManualResetEventSlim _wakeWatchdog = new();

    private Readiness(int epoll)
    {
        _epoll = epoll;
        for (var i = 0; i < Math.Max(2, Environment.ProcessorCount); i++)
            StartLoop();
        new Thread(Supervise) { IsBackground = true, Name = "Milter readiness watchdog" }.Start();
    }

    /// <summary>The process's readiness loops; null where they do not run (then .NET's socket engine is used).</summary>
    public static Readiness? Shared => s_shared.Value;

    /// <summary>The wait of a connected socket, which joins the epoll set when the first wait is awaited.</summary>
    public ReadinessWait CreateWait(Socket socket)
    {
        var wait = new ReadinessWait(Interlocked.Increment(ref _lastId), this, socket);
        _waits[wait.Id] = wait;
        return wait;
    }

    /// <summary>Adds the socket to the epoll set; false if it cannot be (the caller then waits through .NET's engine).</summary>
    public bool Watch(Socket socket, ReadinessWait wait)
    {
        SafeHandle? handle = null;
        var held = false;
        try
        {
            // Held, so that an abort cannot close the socket during the add and its number go to another connection.
            handle = socket.SafeHandle;
            handle.DangerousAddRef(ref held);
            var registration = new EpollEvent { Events = EpollIn | EpollReadHangUp | EpollEdgeTriggered, Data = (ulong)wait.Id };
            if (EpollControl(_epoll, EpollCtlAdd, (int)handle.DangerousGetHandle(), &registration) == 0)
                return true;
        }
        catch (ObjectDisposedException)
        {
            // Closed already (the server aborted the connection): nothing to watch.
        }
        finally
        {
            if (held)
                handle!.DangerousRelease();
        }

        _waits.TryRemove(wait.Id, out _);
        return false;
    }

    /// <summary>Ends a registration before the socket closes (closing the socket takes it out of the epoll set).</summary>
    public void Unregister(ReadinessWait wait)
    {
        _waits.TryRemove(wait.Id, out _);
        wait.Close();
    }

    /// <summary>Whether the watchdog sleeps, every loop having waited for a second.</summary>
    internal bool WatchdogAsleep => Volatile.Read(ref _watchdogAsleep) != 0;

    /// <summary>New loops on an epoll set of their own (<see cref="Shared"/> is the process's); null where they cannot run.</summary>
    internal static Readiness? Create()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return null; // epoll_event's layout below is x86-64's (packed)
        var epoll = EpollCreate(0x80000); // EPOLL_CLOEXEC
        return epoll < 0 ? null : new Readiness(epoll);
    }

    private void StartLoop(List<ulong>? inherited = null)
    {
        var loop = new LoopThread();
        lock (_loops)
            _loops.Add(loop);
        new Thread(() => Run(loop, inherited)) { IsBackground = true, Name = "Milter readiness" }.Start();
    }

    private void Run(LoopThread loop, List<ulong>? inherited)
    {
        // The events a replaced loop had taken and not reached: edges are reported once, so they are this loop's first
        // batch, which a replacement of this one would take over in turn.
        var count = inherited?.Count ?? -1;
        while (!loop.Replaced)
        {
            if (count < 0)
            {
                fixed (EpollEvent* events = loop.Events)
                    count = EpollWait(_epoll, events, EventsPerWait, -1);
            }

            BeginBatch(loop, Math.Max(count, 0), inherited);
            (count, inherited) = (-1, null);
            while (loop.TryTake(out var key))
                Signal(key);
            EndBatch(loop);
        }

        lock (_loops)
            _loops.Remove(loop);
    }

    private void BeginBatch(LoopThread loop, int count, List<ulong>? inherited)
    {
        lock (loop.Batch)
        {
            for (var i = 0; i < (inherited?.Count ?? 0); i++)
                loop.Events[i] = new EpollEvent { Data = inherited![i] };
            (loop.Next, loop.Count, loop.BusySince) = (0, count, Environment.TickCount64);
        }

        // The busy mark before the look at the watchdog: it does the same the other way round before it sleeps.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _watchdogAsleep) != 0 && Interlocked.Exchange(ref _watchdogAsleep, 0) != 0)
            _wakeWatchdog.Set();
    }

    private static void EndBatch(LoopThread loop)
    {
        lock (loop.Batch)
            loop.BusySince = 0;
    }

    private void Signal(ulong key)
    {
        if (_waits.TryGetValue((long)key, out var wait))
            wait.Signal();
    }

    private void Supervise()
    {
        var idleTicks = 0;
        while (true)
        {
            // Allocates nothing unless a loop is retired: it ticks forty times a second while the loops work.
            Thread.Sleep(BusyLimit / 2);
            if (AllIdle())
            {
                if (++idleTicks >= IdleTicksBeforeSleep)
                {
                    SleepUntilBusy();
                    idleTicks = 0;
                }

                continue;
            }

            idleTicks = 0;
            var busySince = Environment.TickCount64 - (long)BusyLimit.TotalMilliseconds;
            List<List<ulong>>? replacements = null;
            lock (_loops)
            {
                foreach (var loop in _loops)
                {
                    if (loop.TryRetire(busySince) is { } inherited)
                        (replacements ??= []).Add(inherited);
                }
            }

            if (replacements is null)
                continue;
            foreach (var inherited in replacements)
                StartLoop(inherited);
        }
    }

    /// <summary>
    /// The watchdog of an idle milter does not tick: it sleeps until a loop begins a batch (a milter with no traffic then
    /// wakes nobody, where forty ticks a second would show in every idle process list).
    /// </summary>
    private void SleepUntilBusy()
    {
        Interlocked.Exchange(ref _watchdogAsleep, 1);
        if (AllIdle())
            _wakeWatchdog.Wait();
        Interlocked.Exchange(ref _watchdogAsleep, 0);
        _wakeWatchdog.Reset(); // a wake that came after a busy look above is stale: it would cost one tick, no more
    }

    private bool AllIdle()
    {
        lock (_loops)
        {
            foreach (var loop in _loops)
            {
                lock (loop.Batch)
                {
                    if (loop.BusySince != 0)
                        return false;
                }
            }
        }

        return true;
    }

    /// <summary>A loop thread and the batch of events its last wait returned, which its replacement may take over.</summary>
    private sealed class LoopThread
    {
        // Pinned: epoll_wait writes into it, and only while the thread is not busy (then the watchdog leaves it alone).
        public readonly EpollEvent[] Events = GC.AllocateArray<EpollEvent>(EventsPerWait, pinned: true);
        public readonly Lock Batch = new();
        public int Next;
        public int Count;
        public long BusySince;
        public volatile bool Replaced;

        /// <summary>The next event of the batch, unless the batch is done or was handed over.</summary>
        public bool TryTake(out ulong key)
        {
            lock (Batch)
            {
                key = Next < Count ? Events[Next++].Data : 0;
                return key != 0;
            }
        }

        /// <summary>
        /// Retires the loop if it has been busy since before <paramref name="busySince"/>: it ends when its work returns,
        /// and the events of its batch it has not reached are returned for its replacement. Null if it is not retired.
        /// </summary>
        public List<ulong>? TryRetire(long busySince)
        {
            lock (Batch)
            {
                if (Replaced || BusySince == 0 || BusySince > busySince)
                    return null;
                Replaced = true;
                var rest = new List<ulong>(Count - Next);
                for (; Next < Count; Next++)
                    rest.Add(Events[Next].Data);
                return rest;
            }
        }
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollControl(int epoll, int operation, int fd, EpollEvent* registration);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, EpollEvent* events, int maxEvents, int timeout);
}
