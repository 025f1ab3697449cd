using Milter.Server;

namespace Milter.Tests.Server;

/// <summary>
/// The edge-triggered wait of a receive loop (<see cref="ReadinessWait"/>): an edge is never lost, whether it comes while
/// the loop waits or while it is busy, and a close ends a wait now or later.
/// </summary>
public class ReadinessWaitTests
{
    [Fact]
    public async Task An_edge_ends_a_pending_wait()
    {
        var wait = new ReadinessWait(1);
        var pending = wait.WaitAsync();
        Assert.False(pending.IsCompleted);

        wait.Signal();

        await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void An_edge_that_comes_while_nobody_waits_ends_the_next_wait_at_once_and_only_that_one()
    {
        var wait = new ReadinessWait(1);
        wait.Signal();
        wait.Signal(); // two edges before the loop looks: one wake is enough, it reads all there is

        Assert.True(wait.WaitAsync().IsCompleted);
        Assert.False(wait.WaitAsync().IsCompleted);
    }

    [Fact]
    public async Task A_close_ends_a_pending_wait_and_every_later_one()
    {
        var wait = new ReadinessWait(1);
        var pending = wait.WaitAsync();

        wait.Close();

        await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(wait.WaitAsync().IsCompleted);
        wait.Signal(); // an edge after the close changes nothing
        Assert.True(wait.WaitAsync().IsCompleted);
    }

    [Fact]
    public async Task Edges_racing_with_waits_on_other_threads_are_never_lost()
    {
        // A loop that waits, then "reads": each round must end, however the edges of other threads fall.
        var wait = new ReadinessWait(1);
        using var stop = new CancellationTokenSource();
        var edges = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
                wait.Signal();
        });
        for (var round = 0; round < 100_000; round++)
            await wait.WaitAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        stop.Cancel();
        await edges;
    }
}
