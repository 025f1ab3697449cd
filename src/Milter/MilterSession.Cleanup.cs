namespace Milter;

public sealed partial class MilterSession
{
    private async ValueTask CallAbortAsync()
    {
        // A retired handler gets the abort it is owed once its last call returns; after a decision on the whole
        // connection the handler saw nothing of this message.
        if (_retired || _connectionDecided)
            return;
        try
        {
            var context = _context!;
            await CallHandlerAsync(MilterSteps.Abort, async (h, ct) =>
            {
                await h.OnAbortAsync(context, ct).ConfigureAwait(false);
                return MilterVerdict.Continue;
            }, cleanup: true).ConfigureAwait(false);
        }
        catch (HandlerTimeoutException e)
        {
            SessionLog.HandlerTimedOut(_log, ConnectionId, MilterSteps.Abort, e.Limit, _context!.QueueId, _options.DefaultVerdict);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_cancellation.IsCancellationRequested)
        {
            SessionLog.CleanupFailed(_log, e, ConnectionId, MilterSteps.Abort);
        }
    }

    /// <summary>The SMTP connection is over (QUIT, QUIT_NC, EOF, error): abort an open message, close, dispose.</summary>
    private async ValueTask EndConnectionAsync()
    {
        var handler = _handler;
        if (handler is null)
            return;
        var open = _message == MessageState.Open && !_connectionDecided;
        _message = MessageState.None;
        if (!_retired)
        {
            try
            {
                await CallHandlerAsync(MilterSteps.Close, async (h, ct) =>
                {
                    try
                    {
                        if (open)
                            await h.OnAbortAsync(_context!, ct).ConfigureAwait(false);
                        await h.OnCloseAsync(_context!, ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        await DisposeHandlerAsync(h).ConfigureAwait(false);
                    }

                    return MilterVerdict.Continue;
                }, cleanup: true).ConfigureAwait(false);
            }
            catch (HandlerTimeoutException e)
            {
                SessionLog.HandlerTimedOut(_log, ConnectionId, MilterSteps.Close, e.Limit, _context!.QueueId, _options.DefaultVerdict);
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                // Aborted: the call, still running, finishes the handler on its own.
            }
            catch (Exception e)
            {
                SessionLog.CleanupFailed(_log, e, ConnectionId, MilterSteps.Close);
            }
        }
        else
        {
            _ = FinishRetiredAsync(handler, _context!, _running, _abortOwed);
        }

        _handler = null;
        _retired = false;
        _abortOwed = false;
    }

    /// <summary>Abort, close and dispose a retired handler once its last call returns, off the session.</summary>
    private async Task FinishRetiredAsync(IMilterHandler handler, MilterContext context, Task straggler, bool abortOwed)
    {
        try
        {
            await straggler.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already answered and logged as a timeout; whatever it ends with no longer reaches the MTA.
        }

        try
        {
            if (abortOwed)
                await handler.OnAbortAsync(context, CancellationToken.None).ConfigureAwait(false);
            await handler.OnCloseAsync(context, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            SessionLog.CleanupFailed(_log, e, ConnectionId, MilterSteps.Close);
        }
        finally
        {
            await DisposeHandlerAsync(handler).ConfigureAwait(false);
        }
    }

    private static async ValueTask DisposeHandlerAsync(IMilterHandler handler)
    {
        if (handler is IAsyncDisposable asyncDisposable)
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        else if (handler is IDisposable disposable)
            disposable.Dispose();
    }
}
