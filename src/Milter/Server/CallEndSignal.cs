using System.Threading.Tasks.Sources;

namespace Milter.Server;

/// <summary>
/// What the receive loop waits on when it has read as far ahead as it may while a handler call runs: the call's end.
/// Reused wait after wait; made only for a connection whose loop ever has to wait.
/// </summary>
internal sealed class CallEndSignal : IValueTaskSource
{
    // The loop resumes on the pool, not inside the session's call to Wake.
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _armed;

    /// <summary>
    /// Arms the signal. The caller then checks once more whether it still has to wait, and calls <see cref="Disarm"/> if
    /// not: the full fence here and in <see cref="Wake"/> makes sure one side sees the other.
    /// </summary>
    public ValueTask Arm()
    {
        _core.Reset();
        Interlocked.Exchange(ref _armed, 1);
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Takes an armed signal back; false when a wake took it first (then the wait completes at once).</summary>
    public bool Disarm() => Interlocked.Exchange(ref _armed, 0) == 1;

    /// <summary>Ends the wait, if one is armed.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
            _core.SetResult(true);
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
