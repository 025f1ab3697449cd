using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Milter.Server;

/// <summary>
/// One connection's wait for its socket to become readable, completed by a <see cref="Readiness"/> loop thread. The
/// socket is registered edge-triggered, so an edge that comes while nobody waits is kept and ends the next wait at once;
/// a wait can also end for bytes a receive already took (the receive then finds nothing and the loop waits again).
/// </summary>
/// <remarks>
/// The socket joins the epoll set when the first wait gets its continuation, not before: bytes already there (the MTA
/// writes as soon as it connects) then end that wait on a loop thread, and the receive loop never goes on on the thread
/// that accepted the connection, nor needs a hop through the thread pool to leave it.
/// </remarks>
internal sealed class ReadinessWait(long id, Readiness? loops = null, Socket? socket = null) : IValueTaskSource<int>
{
    /// <summary>What a wait ends with when the socket could not be added to the epoll set: wait through .NET's engine instead.</summary>
    public const int NotWatched = -1;

    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Ready = 2;
    private const int Closed = 3;

    // The continuation (the receive loop) runs on the loop thread that saw the edge: no hand-off to the pool.
    private ManualResetValueTaskSourceCore<int> _core;
    private int _state;
    private Socket? _unwatched = socket;

    /// <summary>The key the epoll registration carries.</summary>
    public long Id { get; } = id;

    /// <summary>Waits for an edge; completes at once if one came since the last wait, or after <see cref="Close"/>.</summary>
    public ValueTask<int> WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Ready) == Ready || Volatile.Read(ref _state) == Closed)
            return new ValueTask<int>(0);
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // An edge (or the close) came between the two looks.
            Interlocked.CompareExchange(ref _state, Idle, Ready);
            return new ValueTask<int>(0);
        }

        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>The socket became readable (or was shut down): ends the wait, or keeps the edge for the next one.</summary>
    public void Signal()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Waiting && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                _core.SetResult(0);
                return;
            }

            if (state is Ready or Closed || (state == Idle && Interlocked.CompareExchange(ref _state, Ready, Idle) == Idle))
                return;
        }
    }

    /// <summary>The socket is being closed: a wait now or later ends at once, and the receive that follows fails.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _state, Closed) == Waiting)
            _core.SetResult(0);
    }

    /// <summary>The socket could not be watched: the wait ends with <paramref name="result"/>, later ones at once as after <see cref="Close"/>.</summary>
    public void Fail(int result)
    {
        if (Interlocked.Exchange(ref _state, Closed) == Waiting)
            _core.SetResult(result);
    }

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _core.OnCompleted(continuation, state, token, flags);
        if (_unwatched is not { } unwatched)
            return;
        _unwatched = null;
        bool watched;
        try
        {
            watched = loops!.Watch(unwatched, this);
        }
        catch (Exception)
        {
            watched = false; // thrown from here, it would end the process (the pool rethrows what an awaiter throws)
        }

        if (!watched)
            ThreadPool.UnsafeQueueUserWorkItem(static wait => wait.Fail(NotWatched), this, preferLocal: false);
    }
}
