using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// Drives one milter connection over any duplex pipe: negotiation, then any number of SMTP connections
/// (QUIT_NC) and messages, calling the handler and answering the MTA. The server runs one per socket;
/// tests and Milter.Testing run it over in-memory pipes.
/// </summary>
/// <remarks>
/// Replies to the frames of one read are written together and flushed once, so a message's end-of-message
/// changes and verdict leave in a single write. A protocol error ends this connection only.
/// </remarks>
public sealed partial class MilterSession
{
    private static long s_nextId;

    private readonly IMilterHandlerFactory _factory;
    private readonly MilterDescription _description;
    private readonly MilterSessionOptions _options;
    private readonly ILogger _log;
    private readonly MilterFrameReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private PipeWriter _output = null!;
    private PipeReader _input = null!;
    private CancellationToken _cancellation;
    private volatile bool _stopRequested;

    /// <summary>Creates a session for one connection.</summary>
    public MilterSession(IMilterHandlerFactory factory, MilterSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
        _description = factory.Description;
        _options = options ?? new MilterSessionOptions();
        _log = logger ?? NullLogger.Instance;
        _reader = new MilterFrameReader(FrameSource.Mta, _options.MaxFrameLength);
        ConnectionId = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>A number that identifies this connection in logs.</summary>
    public long ConnectionId { get; }

    /// <summary>Whether a message is in progress (between its first command and end of message or abort).</summary>
    public bool IsInMessage => _message != MessageState.None;

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
        _cancellation = cancellationToken;
        MilterMetrics.Connections.Add(1);
        MilterMetrics.OpenConnections.Add(1);
        SessionLog.Opened(_log, ConnectionId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await ReadLoopAsync(timeout).ConfigureAwait(false);
        }
        catch (MilterProtocolException e)
        {
            MilterMetrics.ProtocolErrors.Add(1, new KeyValuePair<string, object?>("error", e.Error.ToString()));
            SessionLog.ProtocolError(_log, ConnectionId, e.Error, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            SessionLog.PeerGone(_log, ConnectionId, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Aborted by the owner (server shutdown deadline).
        }
        finally
        {
            await EndConnectionAsync().ConfigureAwait(false);
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
            MilterMetrics.OpenConnections.Add(-1);
            SessionLog.Closed(_log, ConnectionId, _context?.MessageCount ?? 0);
        }
    }

    private async Task ReadLoopAsync(CancellationTokenSource timeout)
    {
        while (true)
        {
            if (_stopRequested && !IsInMessage)
                return;
            ReadResult result;
            var waitingForFrame = _pendingBytes == 0;
            var limit = waitingForFrame ? _options.IdleTimeout : _options.ReadTimeout;
            if (limit != Timeout.InfiniteTimeSpan)
                timeout.CancelAfter(limit);
            try
            {
                result = await _input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_cancellation.IsCancellationRequested)
            {
                SessionLog.TimedOut(_log, ConnectionId, limit);
                return;
            }

            if (!timeout.TryReset())
                return;

            var buffer = result.Buffer;
            var done = false;
            try
            {
                while (!done && _reader.TryRead(buffer, out var frame, out var consumed))
                {
                    done = !await HandleFrameAsync(frame).ConfigureAwait(false);
                    buffer = buffer.Slice(consumed);
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
                _pendingBytes = buffer.Length;
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (done)
                return;
        }
    }

    private long _pendingBytes;
    private bool _unflushed;

    private async ValueTask FlushAsync()
    {
        _unflushed = false;
        var flush = await _output.FlushAsync(_cancellation).ConfigureAwait(false);
        if (flush.IsCompleted)
            throw new IOException("The MTA closed its side of the connection.");
    }

    /// <summary>Writes one simple response into the pending batch.</summary>
    private void Reply(MilterResponseCode code)
    {
        MilterResponseWriter.WriteSimple(_output, code);
        _unflushed = true;
    }

    private void Reply(MilterVerdict verdict)
    {
        if (verdict.Kind == MilterVerdictKind.Reply)
            MilterResponseWriter.WriteReplyCode(_output, verdict.Reply!);
        else
            MilterResponseWriter.WriteSimple(_output, verdict.ResponseCode);
        _unflushed = true;
    }

    /// <summary>Sends PROGRESS now; used by end-of-message handlers and the progress timer, which may run alongside each other.</summary>
    private async ValueTask SendProgressAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            MilterResponseWriter.WriteSimple(_output, MilterResponseCode.Progress);
            await FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
