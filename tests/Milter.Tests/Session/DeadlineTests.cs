namespace Milter.Tests.Session;

/// <summary>
/// The session's deadline notes each wait's due time and keeps one timer that fires no later than the earliest: a wait
/// must still end at its own limit, and a timer set for an earlier wait must not end a later one.
/// </summary>
public class DeadlineTests
{
    [Fact]
    public async Task A_wait_ends_at_its_limit_and_the_next_wait_gets_a_fresh_token()
    {
        var deadline = new Deadline();
        var token = deadline.Arm(TimeSpan.FromMilliseconds(50), default);
        var fired = new TaskCompletionSource();
        token.Register(fired.SetResult);

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(deadline.Release(), "the deadline fired, so Release reports it");

        var next = deadline.Arm(TimeSpan.FromSeconds(30), default);
        Assert.False(next.IsCancellationRequested);
        Assert.True(deadline.Release());
        deadline.Dispose();
    }

    [Fact]
    public async Task A_timer_set_for_an_earlier_wait_does_not_end_a_later_one()
    {
        var deadline = new Deadline();
        deadline.Arm(TimeSpan.FromMilliseconds(50), default);
        Assert.True(deadline.Release());

        // The timer, still set for the first wait's 50 ms, fires during this one and must only set itself again.
        var later = deadline.Arm(TimeSpan.FromSeconds(30), default);
        await Task.Delay(300);
        Assert.False(later.IsCancellationRequested);
        Assert.True(deadline.Release());

        // And after a shorter wait follows a longer one, the shorter one's limit still holds.
        var shorter = deadline.Arm(TimeSpan.FromMilliseconds(50), default);
        var fired = new TaskCompletionSource();
        shorter.Register(fired.SetResult);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(deadline.Release());
        deadline.Dispose();
    }

    [Fact]
    public async Task A_call_named_on_a_deadline_that_fires_is_abandoned_and_its_straggler_completes_when_it_returns()
    {
        var deadline = new Deadline();
        var token = deadline.Arm(TimeSpan.FromMilliseconds(50), default);
        var call = new HandlerCall();
        var release = new TaskCompletionSource<MilterVerdict>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new BlockedHandler(release.Task);
        deadline.Call = call;

        // The handler reads no context: none is made.
        var outcome = await call.StartAsync(handler, null!, MilterSteps.Data, default, null, token).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(outcome.IsAbandoned);
        deadline.Call = null;
        Assert.False(deadline.Release(call.Straggler));
        Assert.False(call.Straggler!.IsCompleted);
        release.SetResult(MilterVerdict.Continue);
        await call.Straggler.WaitAsync(TimeSpan.FromSeconds(10));
        deadline.Dispose();
    }

    private sealed class BlockedHandler(Task<MilterVerdict> until) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) => new(until);
    }
}
