using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The top of a session (<see cref="MilterSession"/>'s engine): waits for the MTA's bytes on the right deadline, cuts
/// each read into frames and dispatches them, flushes the read's replies once, and ends the connection whatever ends it.
/// </summary>
internal sealed class SessionLoop : FrameDispatcher, ITransportEvents
{
    /// <summary>A session for one connection; its handlers come from <paramref name="factory"/>.</summary>
    public SessionLoop(IMilterHandlerFactory factory, MilterSessionOptions options, ILogger log)
        : base(factory, options, log)
    {
    }

    /// <summary>Whether a message is in progress (between its first command and end of message or abort).</summary>
    public bool IsInMessage => _smtp?.Message.InMessage ?? false;

    /// <summary>
    /// Asks the session to close at the next point where no message is in progress: at once if it is idle,
    /// otherwise right after the current message ends.
    /// </summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (!IsInMessage)
            _input?.CancelPendingRead();
    }

    /// <summary>Runs the session until the MTA quits or closes, a protocol error, a timeout, a stop request or cancellation.</summary>
    /// <param name="transport">The connection to the MTA.</param>
    /// <param name="cancellationToken">Aborts the session at once (handlers see it too).</param>
    public async Task RunAsync(IDuplexPipe transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _input = transport.Input;
        _output = transport.Output;
        _socket = transport as ISocketTransport;
        _reader.BodyPayloadsRemoved = _socket?.DropsBodyPayloads == true;
        _cancellation = cancellationToken;
        _socket?.WatchPeer(this);
        _started = Stopwatch.GetTimestamp();
        MilterMetrics.AcceptedConnections.Add(1);
        MilterMetrics.ActiveConnections.Add(1);
        _telemetry.BeginLogScope();
        SessionLog.Opened(_log, ConnectionId);
        Exception? broken = null;
        try
        {
            // The wait for data is here, not in a method of its own: an idle connection keeps one async state, not two.
            while (!(_stopRequested && !IsInMessage))
            {
                var (limit, wait) = NextDeadline();
                if (limit <= TimeSpan.Zero)
                {
                    LogTimeout(wait, limit);
                    break;
                }

                ReadResult result = default;
                try
                {
                    result = await ReadWithin(limit).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_cancellation.IsCancellationRequested)
                {
                    // The deadline's token ended the read (the in-memory transports'); Release below says so.
                }

                _reading = false;
                if (!ReleaseDeadline())
                {
                    _cancellation.ThrowIfCancellationRequested();
                    // The MTA's leaving may end a wait that began just as a step did (the peer watch saw the step).
                    if (PeerClosed)
                        SessionLog.PeerGone(_log, ConnectionId, "the MTA closed the connection");
                    else
                        LogTimeout(wait, limit);
                    break;
                }

                if (!await HandleReadAsync(result).ConfigureAwait(false))
                    break;
            }
        }
        catch (MilterProtocolException e)
        {
            MilterMetrics.RecordProtocolError(e.Error);
            SessionLog.ProtocolError(_log, ConnectionId, e.Error, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            broken = e;
            SessionLog.PeerGone(_log, ConnectionId, e.Message);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            // Aborted by the owner (server shutdown deadline).
            broken = e;
        }
        finally
        {
            // Nothing here may throw or wait without a bound: the connection count must come down whatever state the
            // peer left the connection in.
            await EndConnectionAsync().ConfigureAwait(false);
            DisposeCallResources();
            if (broken is null && _unflushed)
                broken = await TryFlushAsync().ConfigureAwait(false);
            await CompleteQuietlyAsync(_input.CompleteAsync()).ConfigureAwait(false);
            // Completed with the error, the output drops what a broken connection could not take instead of waiting on it.
            await CompleteQuietlyAsync(_output.CompleteAsync(broken)).ConfigureAwait(false);
            _deadline.Dispose();
            _flushDuringCall?.Dispose();
            MilterMetrics.ActiveConnections.Add(-1);
            SessionLog.Closed(_log, ConnectionId, _messageCount);
            _telemetry.EndLogScope();
            _socket?.SessionEnded();
        }
    }

    /// <summary>Handles the frames of one read and answers them; false when the session is over (QUIT, EOF).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleReadAsync(ReadResult result)
    {
        var buffer = result.Buffer;
        MilterMetrics.RecordReceived(buffer.Length - _pendingBytes);
        var done = false;
        var consumedAny = false;
        try
        {
            while (!done && _reader.TryRead(buffer, out var frame, out var consumed))
            {
                done = !await HandleFrameAsync(frame).ConfigureAwait(false);
                buffer = buffer.Slice(consumed);
                consumedAny = true;
            }

            if (_unflushed)
                await FlushAsync().ConfigureAwait(false);
            if (!done && result.IsCompleted)
            {
                // EOF means quit; leftover bytes mean the MTA went away in the middle of a frame.
                MilterFrameReader.ThrowIfIncomplete(buffer);
                done = true;
            }
        }
        finally
        {
            // A frame's time runs from its first byte: bytes left after whole frames start a new one.
            if (buffer.Length > 0 && (consumedAny || _pendingBytes == 0))
                _frameStarted = Stopwatch.GetTimestamp();
            else if (_reader.BodyPayloadsRemoved)
                _readHandled = Stopwatch.GetTimestamp();
            _pendingBytes = buffer.Length;
            _input.AdvanceTo(buffer.Start, buffer.End);
        }

        return !done;
    }

    /// <summary>
    /// Starts the next read on the session's deadline. Over the server's sockets the read takes no token: the deadline, when
    /// it fires, cancels the pending read (<see cref="OnDeadlineFired"/>), so an idle connection holds no token source and
    /// no registration on one. Other transports get the deadline's token, which also carries the owner's abort.
    /// </summary>
    private ValueTask<ReadResult> ReadWithin(TimeSpan limit)
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

    /// <summary>The deadline fired (time, or the server's abort): a read waiting on it ends now.</summary>
    private protected override void OnDeadlineFired()
    {
        if (Volatile.Read(ref _reading))
            _input.CancelPendingRead();
    }

    /// <summary>The MTA went: a running step's call ends now (abort and close calls, and reads, are left to their deadline).</summary>
    void ITransportEvents.PeerClosed() => EndStepOnPeerClosed();

    /// <summary>What the next read waits for, and for how long: negotiation, a whole frame, or the next command.</summary>
    private (TimeSpan Limit, Wait Wait) NextDeadline()
    {
        if (_negotiation is null)
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

    /// <summary>The server aborts: the current wait or handler call ends now.</summary>
    void ITransportEvents.Aborted()
    {
        _deadline.Cancel();
        Volatile.Read(ref _flushDuringCall)?.Cancel();
    }

    private static TimeSpan Remaining(long since, TimeSpan limit) =>
        limit == Timeout.InfiniteTimeSpan ? limit : limit - Stopwatch.GetElapsedTime(since);

    private void LogTimeout(Wait wait, TimeSpan limit)
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

    private enum Wait
    {
        Negotiation,
        Frame,
        DroppedBody,
        Command,
    }

    // A read waits on the deadline without its token (ReadWithin): set while it does.
    private bool _reading;
    private long _started;
    private long _frameStarted;
    private long _pendingBytes;
    private long _droppedLength;
    private long _readHandled;
}

