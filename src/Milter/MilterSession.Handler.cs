namespace Milter;

public sealed partial class MilterSession
{
    // The call in progress or last made; after a timeout, the call that is still running (the straggler).
    private Task _running = Task.CompletedTask;
    private CancellationTokenSource? _stepCancellation;
    private CancellationTokenSource? _cleanupCancellation;
    private bool _retired;
    private bool _abortOwed;

    /// <summary>
    /// Calls the handler on the thread pool and waits, within the step's time limit, for it to return. A handler that
    /// blocks its thread therefore cannot hold up the session, the PROGRESS timer or the server. The handler's token is
    /// cancelled at the limit, when the MTA goes away (steps only) or when the server aborts.
    /// </summary>
    /// <param name="step">The step, for its limit and the log.</param>
    /// <param name="call">The call; runs once.</param>
    /// <param name="cleanup">An abort or close call: it runs to its end even when the MTA has gone.</param>
    /// <exception cref="HandlerTimeoutException">The limit passed; the handler is retired.</exception>
    /// <exception cref="PeerClosedException">The MTA closed the connection while the handler ran; the handler is retired.</exception>
    /// <exception cref="OperationCanceledException">The session was aborted.</exception>
    private async ValueTask<MilterVerdict> CallHandlerAsync(MilterSteps step, Func<IMilterHandler, CancellationToken, ValueTask<MilterVerdict>> call, bool cleanup = false)
    {
        var handler = _handler!;
        var source = cleanup
            ? _cleanupCancellation ??= CancellationTokenSource.CreateLinkedTokenSource(_cancellation)
            : _stepCancellation ??= CancellationTokenSource.CreateLinkedTokenSource(_peerClosed, _cancellation);
        var limit = step == MilterSteps.EndOfMessage ? _options.EndOfMessageTimeout : _options.HandlerTimeout;
        if (limit != Timeout.InfiniteTimeSpan)
            source.CancelAfter(limit);
        var token = source.Token;
        var running = Task.Run(() => RunSynchronousPart(call, handler, token), CancellationToken.None);
        _running = running;
        MilterVerdict verdict;
        try
        {
            try
            {
                if (step == MilterSteps.EndOfMessage && _options.ProgressInterval is { } interval)
                    await WaitWithProgressAsync(running, interval, token).ConfigureAwait(false);
                else
                    await running.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (running.IsCompletedSuccessfully)
            {
                // It returned just as the limit passed: its answer stands.
            }

            verdict = await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !running.IsFaulted)
        {
            // Ours, not the handler's: the limit, the MTA or the server. One still running is not called again.
            if (!running.IsCompleted)
                Retire(step, cleanup);
            _cancellation.ThrowIfCancellationRequested();
            if (!cleanup && _peerClosed.IsCancellationRequested)
                throw new PeerClosedException(step);
            throw new HandlerTimeoutException(limit);
        }
        finally
        {
            // A source that fired cannot be reused; the next call gets a fresh one, and this one is disposed (which
            // unregisters it from the server's token) once no call can look at it.
            if (!source.TryReset())
            {
                if (cleanup)
                    _cleanupCancellation = null;
                else
                    _stepCancellation = null;
                DisposeWhenDone(source, running);
            }
        }

        return verdict;
    }

    private static void DisposeWhenDone(CancellationTokenSource source, Task call)
    {
        if (call.IsCompleted)
            source.Dispose();
        else
            call.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), source, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The call sources outlive single calls; at the end of the session they go, unregistering from the server's token.</summary>
    private void DisposeCallSources()
    {
        _stepCancellation?.Dispose();
        _cleanupCancellation?.Dispose();
        (_stepCancellation, _cleanupCancellation) = (null, null);
    }

    /// <summary>Runs a call up to its first real wait, telling <see cref="BlockingGuard"/> while it holds the thread.</summary>
    private static Task<MilterVerdict> RunSynchronousPart(Func<IMilterHandler, CancellationToken, ValueTask<MilterVerdict>> call, IMilterHandler handler, CancellationToken token)
    {
        var blocking = BlockingGuard.Enter();
        try
        {
            return call(handler, token).AsTask();
        }
        finally
        {
            BlockingGuard.Exit(blocking);
        }
    }

    /// <summary>Waits for an end-of-message handler, sending PROGRESS every <paramref name="interval"/> meanwhile.</summary>
    private async Task WaitWithProgressAsync(Task<MilterVerdict> running, TimeSpan interval, CancellationToken token)
    {
        // A slow but healthy handler must not hit the MTA's timeout (Sendmail reads with 10 s by default). WaitAsync drops
        // its timer as soon as the handler returns, so a fast handler leaves nothing behind.
        while (true)
        {
            try
            {
                await running.WaitAsync(interval, token).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException)
            {
                await SendProgressAsync(_cancellation).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A call overran or lost its MTA: the handler is not called again on this SMTP connection (the MTA gets the default
    /// verdict), and its abort, close and disposal wait until the call returns, so calls never overlap.
    /// </summary>
    private void Retire(MilterSteps step, bool cleanup)
    {
        if (_retired)
            return;
        _retired = true;
        // It saw this message start and will not see its end: it is owed an abort.
        _abortOwed = !cleanup && _message == MessageState.Open && step != MilterSteps.EndOfMessage;
    }

    /// <summary>A handler call overran its time limit.</summary>
    private sealed class HandlerTimeoutException(TimeSpan limit) : TimeoutException($"The handler did not return within {limit}.")
    {
        public TimeSpan Limit { get; } = limit;
    }

    /// <summary>The MTA closed the connection while a handler ran.</summary>
    private sealed class PeerClosedException(MilterSteps step) : IOException($"the MTA closed the connection while the {step} handler ran");
}
