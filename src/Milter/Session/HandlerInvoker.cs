using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Milter;

/// <summary>
/// Calls the handler: each call off the session's stack within its time limit (<see cref="HandlerCall"/>), the frame's bytes
/// kept for a call left running, the handler retired when it overruns, PROGRESS while an end of message runs long.
/// </summary>
internal abstract class HandlerInvoker : SessionIo, ITransportEvents
{
    private protected HandlerInvoker(MilterDescription description, MilterSessionOptions options, ILogger log)
        : base(description, options, log)
    {
    }

    private Timer? _progressTimer;
    private volatile bool _progressDue;

    /// <summary>An abort or close call: runs to its end even when the MTA has gone, on the session's own deadline.</summary>
    /// <returns>The handler's outcome; <see cref="HandlerOutcome.IsAbandoned"/> when the time limit passed.</returns>
    /// <exception cref="OperationCanceledException">The session was aborted.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private protected async ValueTask<HandlerOutcome> CallAsync(SmtpConnection smtp, MilterSteps step, StepArguments arguments, bool cleanup)
    {
        var outcome = await StartCall(smtp, step, arguments, cleanup).ConfigureAwait(false);
        return EndCall(smtp, outcome);
    }

    /// <summary>
    /// Calls the handler once the session awaits it, off its stack (<see cref="HandlerCall"/>); the caller awaits the
    /// outcome itself (an async level fewer per call) and hands it to <see cref="EndCall"/>. A handler that blocks its
    /// thread therefore cannot hold up the session, the PROGRESS timer or the server. The handler's token is cancelled at
    /// the step's time limit, when the MTA goes away (steps only) or when the server aborts; the session then goes on at
    /// once, and a call still running retires the handler (<see cref="SmtpConnection.Retire"/>). The session makes one
    /// call at a time: what the call armed and rented is kept in a field for <see cref="EndCall"/>, not carried through
    /// the awaits.
    /// </summary>
    /// <param name="smtp">The connection whose handler is called.</param>
    /// <param name="step">The step, for its limit and the log.</param>
    /// <param name="arguments">What the handler is given.</param>
    /// <param name="cleanup">An abort or close call: it runs to its end even when the MTA has gone.</param>
    private protected ValueTask<HandlerOutcome> StartCall(SmtpConnection smtp, MilterSteps step, StepArguments arguments, bool cleanup)
    {
        // The clock is read only for the duration metric, and only while someone listens to it.
        var started = MilterMetrics.HandlerDuration.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        var limit = LimitOf(step);
        var token = cleanup ? ArmDeadline(limit) : ArmStep(limit);
        var copy = arguments.First.IsEmpty || _socket is not null ? null : CopyFrameBytes(ref arguments);
        _telemetry.RefreshScope(smtp.Context);
        var call = Spares<HandlerCall>.Rent();
        var progress = step == MilterSteps.EndOfMessage && StartProgress();
        _socket?.CallStarted();
        _deadline.Call = call;
        _running = new RunningCall(call, token, arguments, copy, step, cleanup, progress, started);
        return call.StartAsync(smtp.Handler, smtp.Context, step, arguments, smtp.Trace.Flow ?? _telemetry.ConnectionFlow, token);
    }

    /// <summary>Ends a call with its outcome: the deadline released, the call object and frame bytes given back or kept for a straggler.</summary>
    /// <returns>The handler's outcome; <see cref="HandlerOutcome.IsAbandoned"/> when the time limit passed.</returns>
    /// <exception cref="PeerClosedException">The MTA closed the connection while the handler ran.</exception>
    /// <exception cref="OperationCanceledException">The session was aborted.</exception>
    private protected HandlerOutcome EndCall(SmtpConnection smtp, HandlerOutcome outcome)
    {
        var (call, step, cleanup, arguments, token, copy) = (_running.Call, _running.Step, _running.Cleanup, _running.Arguments, _running.Token, _running.Copy);
        var progress = _running.Progress;
        _running = _running with { Call = null!, Arguments = default, Copy = null };
        _deadline.Call = null;
        _socket?.CallEnded();
        if (progress)
            StopProgress();

        // Before the call object may be reused: a deadline that fired is done abandoning it once it is released.
        var straggling = outcome.IsAbandoned ? call.Straggler : null;
        if (cleanup)
            ReleaseDeadline(straggling);
        else
            ReleaseStep(straggling);

        // Ours, not the handler's: the limit, the MTA or the server (a handler may also end with our token's exception).
        var ours = token.IsCancellationRequested && (outcome.IsAbandoned || outcome.Error is OperationCanceledException);
        if (straggling is null)
        {
            Spares<HandlerCall>.Return(call);
        }
        else
        {
            // The straggler owns the call object until it returns: it is not given back.
            // It saw this message start and will not see its end: it is owed an abort.
            smtp.Retire(straggling, abortOwed: !cleanup && smtp.Message.State == MessageState.Open && step != MilterSteps.EndOfMessage);
            KeepFrameBytes(arguments, straggling, ref copy);
        }

        if (copy is not null)
            System.Buffers.ArrayPool<byte>.Shared.Return(copy);

        if (!ours)
            return outcome;
        _cancellation.ThrowIfCancellationRequested();
        if (!cleanup && PeerClosed)
            throw new PeerClosedException(step);
        return HandlerOutcome.Abandoned;
    }

    /// <summary>The handler call under way, or the last one: its step and when it started (for the judgement and its metric).</summary>
    private protected (MilterSteps Step, long Started) LastCall => (_running.Step, _running.Started);

    private RunningCall _running;

    /// <summary>A handler call under way: what <see cref="StartCall"/> armed, rented and copied, for <see cref="EndCall"/>.</summary>
    private readonly record struct RunningCall(HandlerCall Call, CancellationToken Token, StepArguments Arguments,
        byte[]? Copy, MilterSteps Step, bool Cleanup, bool Progress, long Started);

    /// <summary>
    /// Over a transport that cannot hold its buffers (<see cref="ISocketTransport"/>), the handler reads a pooled copy of
    /// the frame's bytes, so a call left running past its limit never sees the next frames' bytes in their place.
    /// </summary>
    private static byte[] CopyFrameBytes(ref StepArguments arguments)
    {
        var (first, second) = (arguments.First, arguments.Second);
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(first.Length + second.Length);
        first.CopyTo(copy);
        second.CopyTo(copy.AsMemory(first.Length));
        arguments = arguments.WithBytes(copy.AsMemory(0, first.Length), copy.AsMemory(first.Length, second.Length));
        return copy;
    }

    /// <summary>A call left running may still read the frame's bytes: they stay out of every pool until it returns.</summary>
    private void KeepFrameBytes(in StepArguments arguments, Task straggler, ref byte[]? copy)
    {
        if (arguments.First.IsEmpty && arguments.Second.IsEmpty)
            return;
        // The copies are left to the garbage collector; the socket's buffers go back once the straggler returns.
        copy = null;
        _reader.ReleaseCopy();
        _socket?.Hold(arguments.First, straggler);
        _socket?.Hold(arguments.Second, straggler);
    }

    /// <summary>
    /// A step's call runs on the session's deadline too (no read or flush waits meanwhile), which the MTA's going away
    /// also fires while a step runs: one source and one timer per session instead of a second linked pair.
    /// </summary>
    private CancellationToken ArmStep(TimeSpan limit)
    {
        var token = ArmDeadline(limit);
        _inStep = true;
        Interlocked.MemoryBarrier(); // the flag before the look at the MTA: the socket does the same the other way round
        if (PeerClosed)
            EndStepOnPeerClosed(); // it went before the step started: the watch found no step to end
        return token;
    }

    private void ReleaseStep(Task? stillUsing)
    {
        _inStep = false;
        ReleaseDeadline(stillUsing);
    }

    /// <summary>The MTA went: a running step's call ends now (abort and close calls, and reads, are left to their deadline).</summary>
    void ITransportEvents.PeerClosed() => EndStepOnPeerClosed();

    /// <summary>The server aborts: the current wait or handler call ends now.</summary>
    void ITransportEvents.Aborted()
    {
        _deadline.Cancel();
        Volatile.Read(ref _flushDuringCall)?.Cancel();
    }

    /// <summary>Ends a running step's call when the MTA goes away; abort and close calls, and reads, are left to their deadline.</summary>
    private void EndStepOnPeerClosed()
    {
        if (_inStep)
            _deadline.Cancel();
    }

    private protected TimeSpan LimitOf(MilterSteps step) => step == MilterSteps.EndOfMessage ? _options.EndOfMessageTimeout : _options.HandlerTimeout;

    /// <summary>The timer outlives single calls; at the end of the session it goes.</summary>
    private protected void DisposeCallResources() => _progressTimer?.Dispose();

    /// <summary>
    /// While an end-of-message handler runs, PROGRESS goes out every <see cref="MilterSessionOptions.ProgressInterval"/>, so
    /// a slow but healthy handler does not hit the MTA's timeout (Sendmail reads with 10 s by default). One timer per
    /// session, armed only during the call: a fast handler costs nothing.
    /// </summary>
    private bool StartProgress()
    {
        if (_options.ProgressInterval is not { } interval)
            return false;
        _progressDue = true;
        _progressTimer ??= new Timer(static state => _ = ((HandlerInvoker)state!).SendTimedProgressAsync(), this, Timeout.Infinite, Timeout.Infinite);
        _progressTimer.Change(interval, interval);
        return true;
    }

    private void StopProgress()
    {
        _progressDue = false;
        _progressTimer?.Change(Timeout.Infinite, Timeout.Infinite);
    }

    private async Task SendTimedProgressAsync()
    {
        try
        {
            await WriteLock.WaitAsync(_cancellation).ConfigureAwait(false);
            try
            {
                // The handler may have returned while this waited: PROGRESS must not follow the verdict.
                if (_progressDue)
                    await WriteProgressAsync().ConfigureAwait(false);
            }
            finally
            {
                WriteLock.Release();
            }
        }
        catch (Exception)
        {
            // Nobody waits for this: the session sees a broken connection itself, at its next read or write.
        }
    }

    /// <summary>The MTA closed the connection while a handler ran.</summary>
    private sealed class PeerClosedException(MilterSteps step) : IOException($"the MTA closed the connection while the {step} handler ran");
}
