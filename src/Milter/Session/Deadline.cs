using System.Diagnostics;

namespace Milter;

/// <summary>
/// A time limit for one wait at a time, reused wait after wait, that costs a wait two field writes and a fence: the
/// wait's due time is only noted, and one timer per deadline, set no later than the earliest due time, looks when it
/// fires whether the current wait is really due, and otherwise sets itself again for the rest. A busy session's timer
/// therefore fires about once per limit instead of being set and reset for every read, flush and handler call.
/// </summary>
/// <remarks>
/// The source is replaced only once it fired (by the timer, the MTA's going or the server's abort). A handler call
/// running on the deadline is named in <see cref="Call"/>; the source's one registration (made at its first call)
/// abandons it when the source fires, so a call registers nothing of its own.
/// </remarks>
internal sealed class Deadline
{
    private const long Idle = 0;
    private const long Armed = 1;
    private const long Fired = 2;
    private const long Phase = 3;
    private const long NextWait = 4;

    private static readonly TimerCallback s_onTimer = static state => ((Deadline)state!).OnTimer();
    private static readonly Action<object?> s_onFired = static state => Volatile.Read(ref ((Deadline)state!)._call)?.Abandon();

    private readonly Action<object?>? _onFired;
    private readonly object? _onFiredState;
    private CancellationTokenSource? _source;
    private CancellationTokenRegistration _abandonsCall;
    private HandlerCall? _call;
    private Timer? _timer;

    // The wait's number and phase in one value, so the timer cannot end a later wait than the one it found due.
    private long _wait;
    private long _due;
    private long _timerDue = long.MaxValue;
    private bool _disposed;

    /// <summary>A deadline; <paramref name="onFired"/> is also called when a wait is ended (<see cref="ArmWithoutToken"/>).</summary>
    public Deadline(Action<object?>? onFired = null, object? state = null) => (_onFired, _onFiredState) = (onFired, state);

    /// <summary>The handler call running on this deadline, abandoned when it fires; null between calls.</summary>
    public HandlerCall? Call
    {
        set
        {
            Volatile.Write(ref _call, value);
            // Registered at the source's first call, not at its first wait: an idle connection's source has none.
            if (value is not null && _abandonsCall == default && _source is { } source)
                _abandonsCall = source.Token.UnsafeRegister(s_onFired, this);
        }
    }

    /// <summary>Arms the limit for the next wait; the token also fires when <paramref name="abort"/> does.</summary>
    public CancellationToken Arm(TimeSpan limit, CancellationToken abort)
    {
        var source = _source;
        if (source is null)
        {
            source = abort.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(abort) : new CancellationTokenSource();
            Volatile.Write(ref _source, source);
        }

        ArmWithoutToken(limit);
        return source.Token;
    }

    /// <summary>
    /// Arms the limit for a wait that takes no token: when it is due, or <see cref="Cancel()"/> ends it, the callback given
    /// at construction ends the wait instead (a read's pending read cancelled). No token source is made for it.
    /// </summary>
    public void ArmWithoutToken(TimeSpan limit)
    {
        if (limit == Timeout.InfiniteTimeSpan)
        {
            Volatile.Write(ref _wait, (_wait & ~Phase) + NextWait | Armed);
            return;
        }

        var due = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref _due, due);
        Volatile.Write(ref _wait, (_wait & ~Phase) + NextWait | Armed);
        // The wait before the look at the timer: the timer does the same the other way round, so one of them sets it.
        Interlocked.MemoryBarrier();
        if (due < Volatile.Read(ref _timerDue))
            SetTimer(due);
    }

    /// <summary>
    /// Disarms the limit; false when it fired. A fired source cannot be reused: the next wait gets a new one, and this one
    /// is disposed once <paramref name="stillUsing"/> (a call left running with its token) is done.
    /// </summary>
    public bool Release(Task? stillUsing = null)
    {
        var wait = Volatile.Read(ref _wait);
        // Disarmed before it fired; the source may still have been cancelled from outside (the MTA gone, the server's abort).
        if ((wait & Phase) == Armed && Interlocked.CompareExchange(ref _wait, wait & ~Phase, wait) == wait
            && _source is not { IsCancellationRequested: true })
            return true;
        // It fired: its source, if any, is cancelled or about to be, and is not reused.
        // Waits for the registration's callback if it is running, so it cannot abandon a later call.
        _abandonsCall.Dispose();
        _abandonsCall = default;
        if (Interlocked.Exchange(ref _source, null) is not { } source)
            return false;
        if (stillUsing is null || stillUsing.IsCompleted)
            source.Dispose();
        else
            stillUsing.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), source, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return false;
    }

    /// <summary>Ends the current wait now (from another thread); a source that went meanwhile has nothing left to end.</summary>
    public void Cancel()
    {
        var wait = Volatile.Read(ref _wait);
        var ends = (wait & Phase) == Armed && Interlocked.CompareExchange(ref _wait, (wait & ~Phase) | Fired, wait) == wait;
        Cancel(Volatile.Read(ref _source));
        if (ends)
            _onFired?.Invoke(_onFiredState);
    }

    public void Dispose()
    {
        lock (this)
        {
            _disposed = true;
            _timer?.Dispose();
        }

        _abandonsCall.Dispose();
        _source?.Dispose();
        _source = null;
    }

    private static void Cancel(CancellationTokenSource? source)
    {
        try
        {
            source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void SetTimer(long due)
    {
        lock (this)
        {
            if (due >= _timerDue || _disposed)
                return;
            _timer ??= new Timer(s_onTimer, this, Timeout.Infinite, Timeout.Infinite);
            _timerDue = due;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            _timer.Change((long)Math.Ceiling(Math.Max(0, wait.TotalMilliseconds)), Timeout.Infinite);
        }
    }

    private void OnTimer()
    {
        long wait, due;
        CancellationTokenSource? source;
        lock (this)
        {
            if (_disposed)
                return;
            _timerDue = long.MaxValue;
            Interlocked.MemoryBarrier();
            wait = Volatile.Read(ref _wait);
            due = Volatile.Read(ref _due);
            source = Volatile.Read(ref _source);
            if ((wait & Phase) != Armed)
                return; // between waits: the next one sets the timer
        }

        if (Stopwatch.GetTimestamp() < due)
            SetTimer(due);
        else if (Interlocked.CompareExchange(ref _wait, (wait & ~Phase) | Fired, wait) == wait)
        {
            Cancel(source);
            _onFired?.Invoke(_onFiredState);
        }
    }
}
