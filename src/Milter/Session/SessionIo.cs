using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The bottom of a session, its I/O: the transport it reads and writes, the one deadline its waits run on (a read, a
/// flush, a handler call: one at a time), and the replies it sends (written into one pending batch, flushed once per
/// read, PROGRESS in between under the write lock).
/// </summary>
/// <remarks>
/// A session is one object, its jobs layered from here up, each layer using only the ones below it:
/// <see cref="HandlerInvoker"/> calls the handler, <see cref="StepRunner"/> runs a step, the end of message and the
/// cleanup, <see cref="SessionLoop"/> reads, cuts frames and dispatches them. One object rather than collaborators of
/// their own: an idle connection's memory (docs/performance.md) pays no object headers and back references for the split.
/// </remarks>
internal abstract class SessionIo : IMessageOutput
{
    private static long s_nextId;

    private protected readonly MilterDescription _description;
    private protected readonly MilterSessionOptions _options;
    private protected readonly ILogger _log;
    private protected readonly MilterFrameReader _reader;
    private protected readonly SessionTelemetry _telemetry;

    // The session's one deadline: its waits (read, flush, handler call) come one at a time. A flush while a call runs has its own.
    private protected readonly Deadline _deadline;
    private protected Deadline? _flushDuringCall;

    private protected PipeReader _input = null!;
    private protected PipeWriter _output = null!;
    private protected ISocketTransport? _socket;
    private protected CancellationToken _cancellation;

    // Whether a step's handler call runs: the MTA's going ends it, and a flush meanwhile takes the flush deadline.
    private protected volatile bool _inStep;
    private SemaphoreSlim? _writeLock;

    // A read waits on the deadline without its token (ReadWithin): set while it does.
    private protected bool _reading;

    private protected SessionIo(MilterDescription description, MilterSessionOptions options, ILogger log)
    {
        _description = description;
        _options = options;
        _log = log;
        _reader = new MilterFrameReader(FrameSource.Mta, _options.MaxFrameLength)
        {
            SkipsBodyPayload = (_description.Steps & MilterSteps.Body) == 0,
        };
        ConnectionId = Interlocked.Increment(ref s_nextId);
        _deadline = new Deadline(OnDeadlineFired, this);
        _telemetry = new SessionTelemetry(ConnectionId, _description.Name, _log);
    }

    /// <summary>A number that identifies this connection in logs.</summary>
    public long ConnectionId { get; }

    /// <summary>Whether the milter reads body chunks; when not, a transport may drop their payloads (<see cref="ISocketTransport"/>).</summary>
    public bool ReadsBodyChunks => (_description.Steps & MilterSteps.Body) != 0;

    /// <summary>Serialises the end of message's write with PROGRESS; made at the first message, not with the connection.</summary>
    private protected SemaphoreSlim WriteLock => _writeLock ?? LazyInitializer.EnsureInitialized(ref _writeLock, static () => new SemaphoreSlim(1, 1));

    /// <summary>Whether the MTA has gone; known at once over the server's sockets, elsewhere at the next read.</summary>
    private protected bool PeerClosed => _socket?.PeerClosed == true;

    /// <summary>The deadline fired (time, or the server's abort): a read waiting on it ends now.</summary>
    private void OnDeadlineFired()
    {
        if (Volatile.Read(ref _reading))
            _input.CancelPendingRead();
    }

    /// <summary>
    /// Starts the next read on the session's deadline. Over the server's sockets the read takes no token: the deadline, when
    /// it fires, cancels the pending read (<see cref="OnDeadlineFired()"/>), so an idle connection holds no token source and
    /// no registration on one. Other transports get the deadline's token, which also carries the owner's abort.
    /// </summary>
    private protected ValueTask<ReadResult> ReadWithin(TimeSpan limit)
    {
        if (_socket is null)
            return _input.ReadAsync(ArmDeadline(limit));
        _reading = true;
        _deadline.ArmWithoutToken(limit);
        // The abort may have come before this wait began; the fence pairs with the one in the cancellation itself.
        Interlocked.MemoryBarrier();
        if (_cancellation.IsCancellationRequested)
            _deadline.Cancel();
        return _input.ReadAsync(CancellationToken.None);
    }

    private static void OnDeadlineFired(object? state) => ((SessionIo)state!).OnDeadlineFired();

    /// <summary>
    /// Arms the session's own deadline, which serves its waits one at a time: a read, a flush, a handler call (never two
    /// at once: a read waits for no handler, and a flush during a call has its own, <see cref="_flushDuringCall"/>).
    /// It also ends with the owner's abort.
    /// </summary>
    private protected CancellationToken ArmDeadline(TimeSpan limit) => Arm(_deadline, limit);

    /// <summary>
    /// Arms <paramref name="deadline"/>. Over the server's sockets the abort comes as an event (<see cref="ITransportEvents.Aborted"/>)
    /// rather than through a source linked to the server's token: a registration fewer on that token per connection.
    /// </summary>
    private protected CancellationToken Arm(Deadline deadline, TimeSpan limit)
    {
        if (_socket is null)
            return deadline.Arm(limit, _cancellation);
        var token = deadline.Arm(limit, default);
        // The abort may have come before this wait began; the fence pairs with the one in the cancellation itself.
        Interlocked.MemoryBarrier();
        if (_cancellation.IsCancellationRequested)
            deadline.Cancel();
        return token;
    }

    /// <summary>Disarms the deadline; false when it fired.</summary>
    private protected bool ReleaseDeadline(Task? stillUsing = null) => _deadline.Release(stillUsing);


    private protected bool _unflushed;

    /// <summary>Sends the replies still pending (to the frames before a protocol error); returns the failure, if any.</summary>
    private protected async ValueTask<Exception?> TryFlushAsync()
    {
        try
        {
            await FlushAsync().ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return e;
        }
    }

    private protected static async ValueTask CompleteQuietlyAsync(ValueTask completion)
    {
        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Unsent replies to an MTA that is gone: nobody is left to receive them.
        }
    }

    /// <summary>
    /// Sends what is written. An MTA that does not take it within <see cref="MilterSessionOptions.ReadTimeout"/> (one
    /// that stopped reading while our replies fill the socket's buffers) is treated as gone.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private protected async ValueTask FlushAsync()
    {
        _unflushed = false;
        if (MilterMetrics.Io.Enabled && _output.CanGetUnflushedBytes)
            MilterMetrics.RecordSent(_output.UnflushedBytes);
        FlushResult flush;
        // PROGRESS, or a handler's own flush, while its call runs on the session's deadline: the flush gets its own limit.
        var duringCall = _inStep;
        try
        {
            var limit = _options.ReadTimeout;
            flush = await _output.FlushAsync(duringCall ? Arm(FlushDuringCall(), limit) : ArmDeadline(limit)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_cancellation.IsCancellationRequested)
        {
            _outputBroken = true;
            throw new IOException($"the MTA did not take our replies within {_options.ReadTimeout}");
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            _outputBroken = true;
            throw;
        }
        finally
        {
            if (duringCall)
                _flushDuringCall!.Release();
            else
                ReleaseDeadline();
        }

        if (flush.IsCompleted)
        {
            _outputBroken = true;
            throw new IOException("The MTA closed its side of the connection.");
        }
    }

    // Set when sending failed: an IOException then means the connection, not a handler's replacement body.
    private protected bool _outputBroken;

    /// <summary>Writes one simple response into the pending batch.</summary>
    private protected void Reply(MilterResponseCode code)
    {
        MilterResponseWriter.WriteSimple(_output, code);
        _unflushed = true;
    }

    private protected void Reply(MilterVerdict verdict)
    {
        if (verdict.Kind == MilterVerdictKind.Reply)
            MilterResponseWriter.WriteReplyCode(_output, verdict.Reply!);
        else
            MilterResponseWriter.WriteSimple(_output, verdict.ResponseCode);
        _unflushed = true;
    }

    /// <summary>Sends PROGRESS now, for an end-of-message handler; the progress timer may be sending one too.</summary>
    async ValueTask IMessageOutput.SendProgressAsync(CancellationToken cancellationToken)
    {
        await WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteProgressAsync().ConfigureAwait(false);
        }
        finally
        {
            WriteLock.Release();
        }
    }

    ValueTask IMessageOutput.FlushAsync() => FlushAsync();

    /// <summary>Writes and sends PROGRESS; the caller holds the write lock.</summary>
    private protected ValueTask WriteProgressAsync()
    {
        MilterResponseWriter.WriteSimple(_output, MilterResponseCode.Progress);
        MilterMetrics.ProgressSent.Add(1);
        return FlushAsync();
    }

    /// <summary>The deadline of a flush while a call runs; made at the first such flush (most sessions never need it).</summary>
    private Deadline FlushDuringCall()
    {
        if (_flushDuringCall is null)
            Volatile.Write(ref _flushDuringCall, new Deadline());
        return _flushDuringCall;
    }

    /// <summary>What the next read waits for, and for how long: negotiation, a whole frame, or the next command.</summary>
    private protected (TimeSpan Limit, Wait Wait) NextDeadline(bool negotiated)
    {
        if (!negotiated)
            return (Remaining(_started, _options.NegotiationTimeout), Wait.Negotiation);
        if (_pendingBytes > 0)
            return (Remaining(_frameStarted, _options.ReadTimeout), Wait.Frame);
        // A BODY frame whose payload the transport drops as it arrives is not whole until the last byte is dropped.
        // Its time runs from its first byte, but not from before the session was free to see it (as for any frame: a
        // handler call's time is not the MTA's).
        if (_socket is not null && _socket.WatchDroppedBody(out var arrived, out _droppedLength))
            return (Remaining(Math.Max(arrived, _readHandled), _options.ReadTimeout), Wait.DroppedBody);
        return (_options.IdleTimeout, Wait.Command);
    }

    private static TimeSpan Remaining(long since, TimeSpan limit) =>
        limit == Timeout.InfiniteTimeSpan ? limit : limit - Stopwatch.GetElapsedTime(since);

    private protected void LogTimeout(Wait wait, TimeSpan limit)
    {
        switch (wait)
        {
            case Wait.Negotiation:
                SessionLog.NegotiationTimedOut(_log, ConnectionId, _options.NegotiationTimeout, _pendingBytes);
                break;
            case Wait.Frame:
                SessionLog.FrameTimedOut(_log, ConnectionId, _options.ReadTimeout, _pendingBytes);
                break;
            case Wait.DroppedBody:
                SessionLog.DroppedBodyTimedOut(_log, ConnectionId, _droppedLength, _options.ReadTimeout);
                break;
            default:
                SessionLog.TimedOut(_log, ConnectionId, limit);
                break;
        }
    }

    private protected enum Wait
    {
        Negotiation,
        Frame,
        DroppedBody,
        Command,
    }

    // The read side's clocks: the session's start, the pending frame's first byte, what it holds, a dropped BODY's length
    // and when the session was last free to see one.
    private protected long _started;
    private protected long _frameStarted;
    private protected long _pendingBytes;
    private protected long _droppedLength;
    private protected long _readHandled;
}
