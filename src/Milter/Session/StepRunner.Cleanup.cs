using System.Runtime.CompilerServices;

namespace Milter;

internal abstract partial class StepRunner
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CallAbortAsync(SmtpConnection smtp)
    {
        // A retired handler gets the abort it is owed once its last call returns; after a decision on the whole
        // connection the handler saw nothing of this message.
        if (smtp.Retired || smtp.Decided)
            return;
        var outcome = await CallAsync(smtp, MilterSteps.Abort, default, cleanup: true).ConfigureAwait(false);
        ReportCleanup(smtp, MilterSteps.Abort, outcome);
    }

    /// <summary>The SMTP connection is over (QUIT, QUIT_NC, EOF, error): abort an open message, close, dispose.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private protected async ValueTask EndConnectionAsync()
    {
        if (_smtp is not { } smtp)
            return;
        _smtp = null;
        if (smtp.Straggler is { } straggler)
        {
            if (smtp.Message.InMessage)
                _telemetry.FinishMessage(smtp);
            _ = FinishRetiredAsync(smtp, straggler);
            return;
        }

        var abortFirst = smtp.Message.State == MessageState.Open && !smtp.Decided;
        if (smtp.Message.InMessage)
            _telemetry.FinishMessage(smtp);
        smtp.Message.Reset();
        try
        {
            var outcome = await CallAsync(smtp, MilterSteps.Close, StepArguments.ForClose(abortFirst), cleanup: true).ConfigureAwait(false);
            ReportCleanup(smtp, MilterSteps.Close, outcome);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            // Aborted: the call, still running, finishes the handler on its own.
            return;
        }

        if (!smtp.Retired)
            smtp.Context.Macros.Clear();
    }

    private void ReportCleanup(SmtpConnection smtp, MilterSteps step, HandlerOutcome outcome)
    {
        if (outcome.IsAbandoned)
            SessionLog.HandlerTimedOut(_log, ConnectionId, step, LimitOf(step), smtp.Context.QueueIdForLog, _options.DefaultVerdict);
        else if (outcome.Error is { } error)
            SessionLog.CleanupFailed(_log, error, ConnectionId, step);
    }

    /// <summary>Abort, close and dispose a retired handler once its last call returns, off the session.</summary>
    private async Task FinishRetiredAsync(SmtpConnection smtp, Task straggler)
    {
        await straggler.ConfigureAwait(false);
        var (handler, context) = (smtp.Handler, smtp.Context);
        try
        {
            if (smtp.AbortOwed)
                await handler.OnAbortAsync(context, CancellationToken.None).ConfigureAwait(false);
            await handler.OnCloseAsync(context, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            SessionLog.CleanupFailed(_log, e, ConnectionId, MilterSteps.Close);
        }
        finally
        {
            await HandlerCall.DisposeAsync(handler).ConfigureAwait(false);
        }
    }
}
