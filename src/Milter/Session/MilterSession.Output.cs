using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Milter.Protocol;

namespace Milter;

public sealed partial class MilterSession
{
    private bool _unflushed;

    /// <summary>Sends the replies still pending (to the frames before a protocol error); returns the failure, if any.</summary>
    private async ValueTask<Exception?> TryFlushAsync()
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

    private static async ValueTask CompleteQuietlyAsync(ValueTask completion)
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
    private async ValueTask FlushAsync()
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
    private bool _outputBroken;

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
    private ValueTask WriteProgressAsync()
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
}
