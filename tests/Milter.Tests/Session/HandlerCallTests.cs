namespace Milter.Tests.Session;

/// <summary>
/// A call started on the thread running a session's read (<see cref="HandlerCall.RunTakingCalls"/>) runs there once the
/// starter has returned, and only then: never nested inside the starter, and never behind a handler that may block.
/// </summary>
public class HandlerCallTests
{
    [Fact]
    public async Task A_call_started_on_the_read_thread_runs_there_once_the_starter_has_returned()
    {
        var call = new HandlerCall();
        var ran = false;
        var onReadThread = false;
        var handler = new DataHandler(() =>
        {
            (ran, onReadThread) = (true, HandlerCall.OnReadThread);
            return MilterVerdict.Accept;
        });
        ValueTask<HandlerOutcome> outcome = default;
        var ranInsideStarter = true;

        // The handler reads no context: none is made.
        HandlerCall.RunTakingCalls(_ =>
        {
            outcome = call.StartAsync(handler, null!, MilterSteps.Data, default, null, CancellationToken.None);
            ranInsideStarter = ran;
        }, null);

        Assert.False(ranInsideStarter);
        Assert.True(outcome.IsCompleted, "the call did not run before the read's work item ended");
        Assert.True(onReadThread);
        Assert.Equal(MilterVerdictKind.Accept, (await outcome).Verdict.Kind);
    }

    [Fact]
    public async Task A_call_started_while_a_handler_runs_on_the_read_thread_is_not_held_behind_it()
    {
        // As when a handler completes what another session's handler awaits, and that session starts its next call.
        var inner = new HandlerCall();
        var outer = new HandlerCall();
        using var innerRan = new ManualResetEventSlim();
        var innerHandler = new DataHandler(() =>
        {
            innerRan.Set();
            return MilterVerdict.Continue;
        });
        ValueTask<HandlerOutcome> innerOutcome = default;
        var innerRanWhileOuterBlocked = false;
        var outerHandler = new DataHandler(() =>
        {
            innerOutcome = inner.StartAsync(innerHandler, null!, MilterSteps.Data, default, null, CancellationToken.None);
            innerRanWhileOuterBlocked = innerRan.Wait(TimeSpan.FromSeconds(10)); // blocks its thread
            return MilterVerdict.Continue;
        });
        ValueTask<HandlerOutcome> outerOutcome = default;

        await Task.Run(() => HandlerCall.RunTakingCalls(
            _ => outerOutcome = outer.StartAsync(outerHandler, null!, MilterSteps.Data, default, null, CancellationToken.None), null));

        Assert.True(innerRanWhileOuterBlocked, "the call waited for the blocking handler's thread");
        await outerOutcome;
        await innerOutcome;
    }

    private sealed class DataHandler(Func<MilterVerdict> data) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) => new(data());
    }
}
