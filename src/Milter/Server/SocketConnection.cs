using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Milter.Protocol;

namespace Milter.Server;

/// <summary>
/// One accepted socket as the duplex pipe a session runs on, the way Kestrel's socket transport does it, and the whole
/// life of that connection: a receive loop fills the input pipe, runs the session, and closes the socket when both are
/// done. Because the loop keeps reading, the connection notices the MTA closing or resetting even while a handler runs
/// (<see cref="ITransportEvents.PeerClosed"/> is raised, and the socket is not left in CLOSE-WAIT).
/// </summary>
/// <remarks>
/// It waits for data with a zero-byte read, so an idle connection holds no buffer; buffers come from the server's
/// <see cref="BufferBudget"/>, and one connection holds at most one frame and one receive buffer unread. While a handler
/// call runs it reads at most <see cref="ReadAheadDuringCall"/> bytes, then waits for the call to end: an MTA that
/// streams a body without waiting for replies cannot make a slow handler's connection hold megabytes (the MTA's leaving
/// is then noticed when the call ends or reaches its time limit, not at once). For a milter that reads no body chunk,
/// BODY payloads are taken out as they arrive (<see cref="BodyPayloadDropper"/>).
/// </remarks>
internal sealed class SocketConnection : IDuplexPipe, ISocketTransport
{
    /// <summary>How far the receive loop reads ahead while a handler call runs: enough to overlap the next frames' arrival.</summary>
    public const int ReadAheadDuringCall = 4 * BufferBudget.BlockSize;

    // Where a receive after a zero-byte wait lands first (see the receive loop); one per thread, as the loop runs on any.
    [ThreadStatic] private static byte[]? t_scratch;

    // Where discarded body payloads go when the kernel copies them anyway (Unix sockets). Never read.
    private static readonly byte[] s_discarded = new byte[BufferBudget.StreamingBlockSize];

    private readonly Socket _socket;
    private readonly BufferBudget _budget;
    private readonly Pipe _input;
    private QuickAck _quickAck;
    private BodyPayloadDropper _dropper;
    private int _drop; // NotDropping, Dropping, or Watched: a BODY payload being dropped, and whether the session waits on it
    private CallEndSignal? _callEnd;
    private volatile bool _inCall;
    private long _receivedDuringCall;
    private ITransportEvents? _watcher;
    private int _peerClosed;
    private readonly Readiness? _loops;
    private ReadinessWait? _readiness; // null: waits go through .NET's socket engine
    private int _shutDown;

    /// <param name="socket">The accepted socket.</param>
    /// <param name="session">The session that runs on it.</param>
    /// <param name="budget">Where receive buffers come from.</param>
    /// <param name="maxFrameLength">The largest payload the session accepts.</param>
    /// <param name="readiness">Where the receive loop waits for data; null: through .NET's socket engine.</param>
    public SocketConnection(Socket socket, MilterSession session, BufferBudget budget, int maxFrameLength, Readiness? readiness)
    {
        // A milter that reads no body chunk: BODY payloads are discarded as they arrive.
        DropsBodyPayloads = !session.ReadsBodyChunks;
        _dropper = new BodyPayloadDropper(maxFrameLength);
        _socket = socket;
        socket.Blocking = false; // replies are sent at once where they fit (SocketPipeWriter)
        Session = session;
        _budget = budget;
        _quickAck = new QuickAck(socket);
        _input = new Pipe(budget.PipeOptionsFor(maxFrameLength));
        Output = new SocketPipeWriter(socket);
        (_loops, _readiness) = (readiness, readiness?.CreateWait(socket));
    }

    public MilterSession Session { get; }

    /// <summary>The whole life of the connection: the session, the receive loop and the close; set by <see cref="Start"/>.</summary>
    public Task Run { get; private set; } = Task.CompletedTask;

    public PipeReader Input => _input.Reader;

    public PipeWriter Output { get; }

    /// <summary>The MTA closed or reset the connection, the receive buffer budget ran out, or <see cref="Abort"/>.</summary>
    public bool PeerClosed => Volatile.Read(ref _peerClosed) != 0;

    /// <summary>Why the receive loop ended early, for the log: null for a plain close by the MTA.</summary>
    public Exception? ReceiveError { get; private set; }

    public void Hold(ReadOnlyMemory<byte> memory, Task until) => _budget.Hold(memory, until);

    public bool DropsBodyPayloads { get; }

    public bool WatchDroppedBody(out long arrived, out long length)
    {
        // Dropping becomes Watched; a drop that ended meanwhile left NotDropping, and nothing is to be watched. The frame's
        // details are read after the exchange: they were written before the drop was marked.
        var watching = Interlocked.CompareExchange(ref _drop, Watched, Dropping) != NotDropping;
        (arrived, length) = (_dropper.DiscardedFrameArrived, _dropper.DiscardedPayloadLength);
        return watching;
    }

    /// <summary>
    /// Runs the session and the receive loop, then closes the socket and calls <paramref name="ended"/> with what the
    /// session threw, if anything (it logs its own errors).
    /// </summary>
    public void Start(CancellationToken abort, Action<SocketConnection, Exception?> ended) => Run = RunAsync(abort, ended);

    public void SessionEnded() => ShutDown();

    public void AcknowledgeNow() => _quickAck.AcknowledgeNow();

    public void CallStarted()
    {
        Volatile.Write(ref _receivedDuringCall, 0);
        _inCall = true;
    }

    public void CallEnded()
    {
        _inCall = false;
        Interlocked.MemoryBarrier(); // the flag before the look at the signal: the loop does the same the other way round
        Volatile.Read(ref _callEnd)?.Wake();
    }

    public void WatchPeer(ITransportEvents listener)
    {
        Interlocked.Exchange(ref _watcher, listener);
        if (PeerClosed)
            listener.PeerClosed();
    }

    /// <summary>The server aborts: the socket closes now, whatever the session is doing, and the session is told.</summary>
    public void Abort()
    {
        CallEnded();
        PeerGone();
        Volatile.Read(ref _watcher)?.Aborted();
        _socket.Dispose();
        _readiness?.Close();
    }

    private void PeerGone()
    {
        Interlocked.Exchange(ref _peerClosed, 1);
        Volatile.Read(ref _watcher)?.PeerClosed();
    }

    /// <summary>
    /// Closes gracefully: the MTA gets a FIN, not a reset. (Disposing a socket with a receive still pending makes .NET
    /// abort it, and the MTA, or a relay between, would read "connection reset" after a clean QUIT.) Shutting both
    /// directions down first ends the pending receive, so the socket is closed with nothing outstanding.
    /// </summary>
    private void ShutDown()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) != 0)
            return; // the session's end and the loop's both come here; one shutdown is enough
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed: there is nothing left to close gracefully.
        }

        _readiness?.Signal(); // the receive that follows finds the end, whether or not the shutdown raised an edge
        CallEnded();
    }

    /// <summary>
    /// One async method for the receive loop and the connection's end, so that an idle connection keeps one async state
    /// here besides its session's.
    /// </summary>
    private async Task RunAsync(CancellationToken abort, Action<SocketConnection, Exception?> ended)
    {
        if (_readiness is null)
            await Task.Yield(); // off the accept loop; on readiness loops the first wait moves it (ReadinessWait)
        // Runs until its first read waits; it calls SessionEnded when it is over, which ends the receive below.
        var session = Session.RunAsync(this, abort);
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            var drained = true;
            var afterDiscard = false;
            while (true)
            {
                if (_dropper.PayloadToDiscard > 0)
                {
                    // MSG_TRUNC: TCP drops the bytes without copying them out; a Unix socket writes them here, unread.
                    var want = (int)Math.Min(_dropper.PayloadToDiscard, s_discarded.Length);
                    int discarded;
                    if (_readiness is null)
                        discarded = await new ThenRunDeferredCalls<int>(_socket.ReceiveAsync(s_discarded.AsMemory(0, want), SocketFlags.Truncated));
                    else if (!TryReceive(s_discarded.AsSpan(0, want), SocketFlags.Truncated, out discarded))
                    {
                        if (await new ThenRunDeferredCalls<int>(_readiness.WaitAsync()) == ReadinessWait.NotWatched)
                            _readiness = null;
                        continue;
                    }
                    if (discarded == 0)
                    {
                        error = _dropper.Truncated();
                        break;
                    }

                    _dropper.Discarded(discarded);
                    if (_dropper.PayloadToDiscard == 0)
                        DropEnded();
                    drained = discarded < want;
                    afterDiscard = true;
                    continue;
                }

                // Wait for data before taking a buffer: an idle connection costs no buffer memory. After a receive that
                // filled its buffer more is usually waiting (a body streamed without replies): read on at once.
                Memory<byte> memory;
                int received;
                if (drained)
                {
                    if (await new ThenRunDeferredCalls<int>(_readiness?.WaitAsync() ?? _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None)) == ReadinessWait.NotWatched)
                    {
                        _readiness = null; // the epoll set refused the socket: .NET's engine waits instead
                        continue;
                    }

                    // The wait can end with nothing to read: it ends at any readiness event, one left over from bytes an
                    // earlier receive took included. So this receive does not wait, and it reads into this thread's
                    // scratch buffer: a pipe buffer is taken only for bytes that came, never held by a receive left waiting.
                    var scratch = t_scratch ??= GC.AllocateUninitializedArray<byte>(BufferBudget.BlockSize);
                    if (!TryReceive(scratch, SocketFlags.None, out received))
                        continue;
                    if (received == 0)
                        break;
                    memory = writer.GetMemory(received)[..received];
                    scratch.AsSpan(0, received).CopyTo(memory.Span);
                    drained = received < scratch.Length;
                }
                else
                {
                    // After a dropped payload the next frame is most likely another body chunk: its header alone, and the
                    // payload that follows is dropped unread.
                    memory = afterDiscard
                        ? writer.GetMemory(MilterFrameReader.HeaderLength)[..MilterFrameReader.HeaderLength]
                        : writer.GetMemory(BufferBudget.StreamingBlockSize);
                    if (_readiness is null)
                        received = await new ThenRunDeferredCalls<int>(_socket.ReceiveAsync(memory, SocketFlags.None));
                    else if (!TryReceive(memory.Span, SocketFlags.None, out received))
                    {
                        drained = true; // nothing more yet: wait for it
                        continue;
                    }

                    if (received == 0)
                        break;
                    // Through .NET's engine only a full-size buffer filled says more is waiting: the small tail of a buffer
                    // filled says nothing, and reading on at once would leave an idle connection waiting with a buffer of its
                    // own. Our readiness wait is edge-triggered: it may wait only once a receive came back short, and a
                    // receive of ours never waits, so reading on costs no buffer.
                    drained = received < memory.Length || (_readiness is null && memory.Length < BufferBudget.BlockSize);
                }

                afterDiscard = false;
                writer.Advance(DropsBodyPayloads ? Filter(memory.Span[..received]) : received);
                // The session reads the bytes during the flush, on this thread; a handler call it starts waits for this loop
                // to wait (ThenRunDeferredCalls), so that the MTA's next bytes are read whatever the handler does.
                ValueTask<FlushResult> flushing;
                HandlerCall.DeferringCalls = true;
                try
                {
                    flushing = writer.FlushAsync();
                }
                finally
                {
                    HandlerCall.DeferringCalls = false;
                }

                var flush = await new ThenRunDeferredCalls<FlushResult>(flushing);
                if (flush.IsCompleted)
                    break;
                if (_inCall && Interlocked.Add(ref _receivedDuringCall, received) >= ReadAheadDuringCall)
                {
                    HandlerCall.QueueDeferred(); // the call waited for must run
                    await WaitForCallEndAsync().ConfigureAwait(false);
                }
            }
        }
        catch (SocketException e)
        {
            error = SocketPipeWriter.Broken(e);
        }
        catch (ObjectDisposedException)
        {
            error = new IOException("the connection was closed by the milter");
        }
        catch (BudgetExhaustedException e)
        {
            error = new IOException($"closed because {e.Message}", e);
        }
        finally
        {
            HandlerCall.QueueDeferred();
        }

        ReceiveError = error;
        await writer.CompleteAsync(error).ConfigureAwait(false);
        PeerGone();

        Exception? failure = null;
        try
        {
            await session.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }

        ShutDown();
        if (_readiness is not null)
            _loops!.Unregister(_readiness);
        _socket.Dispose();
        ended(this, failure);
    }

    /// <summary>A receive that does not wait: false when nothing is there yet.</summary>
    private bool TryReceive(Span<byte> buffer, SocketFlags flags, out int received)
    {
        received = _socket.Receive(buffer, flags, out var status);
        if (status == SocketError.WouldBlock)
            return false;
        if (status != SocketError.Success)
            throw new SocketException((int)status);
        return true;
    }

    /// <summary>Takes BODY payloads out of a receive; a payload that goes on past it is dropped before the next read.</summary>
    private int Filter(Span<byte> received)
    {
        var kept = _dropper.Filter(received, Stopwatch.GetTimestamp());
        // Before the flush that shows the session the frame's header, so that the session finds it.
        if (_dropper.PayloadToDiscard > 0)
            Volatile.Write(ref _drop, Dropping);
        return kept;
    }

    /// <summary>The frame is whole: a session waiting on its deadline reads again, now on the idle limit.</summary>
    private void DropEnded()
    {
        if (Interlocked.Exchange(ref _drop, NotDropping) == Watched)
            _input.Reader.CancelPendingRead();
    }

    private const int NotDropping = 0;
    private const int Dropping = 1;
    private const int Watched = 2;

    /// <summary>The loop has read as far ahead as it may during a handler call: it waits for the call to end.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WaitForCallEndAsync()
    {
        var callEnd = _callEnd ??= new CallEndSignal();
        while (ReadAheadSpent())
        {
            var ended = callEnd.Arm();
            // The call may have ended between the test and the arming: take it back, unless its end took it.
            if (!ReadAheadSpent() && callEnd.Disarm())
                break;
            await ended.ConfigureAwait(false);
        }
    }

    private bool ReadAheadSpent() => _inCall && Volatile.Read(ref _receivedDuringCall) >= ReadAheadDuringCall;

    /// <summary>
    /// How the receive loop awaits a receive or a flush: if the loop suspends on it, the handler call its session left
    /// to this thread (<see cref="HandlerCall.RunDeferred"/>) runs then, once the loop's continuation is registered, so
    /// the loop goes on reading on another thread whatever the handler does.
    /// </summary>
    private readonly struct ThenRunDeferredCalls<T>(ValueTask<T> operation) : ICriticalNotifyCompletion
    {
        public ThenRunDeferredCalls<T> GetAwaiter() => this;

        public bool IsCompleted => operation.IsCompleted;

        public T GetResult() => operation.GetAwaiter().GetResult();

        public void OnCompleted(Action continuation)
        {
            operation.ConfigureAwait(false).GetAwaiter().OnCompleted(continuation);
            HandlerCall.RunDeferred();
        }

        public void UnsafeOnCompleted(Action continuation)
        {
            operation.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(continuation);
            HandlerCall.RunDeferred();
        }
    }
}
