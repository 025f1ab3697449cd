using Milter.Server;

namespace Milter.Tests.Server;

/// <summary>
/// What a handler call left running keeps from the pool (<see cref="BufferBudget.Hold"/>): its frame's bytes stay held
/// until the call ends, and then no trace of the hold is left, whether the bytes were a pool buffer or a copy.
/// </summary>
public class BufferHoldTests
{
    [Fact]
    public async Task The_hold_on_a_copy_no_pool_owns_goes_when_the_call_ends()
    {
        var budget = new BufferBudget(1024 * 1024);
        var call = new TaskCompletionSource();

        budget.Hold(new byte[100], call.Task);
        Assert.Equal(1, budget.HeldBuffers);

        call.SetResult();
        await call.Task;
        Assert.Equal(0, budget.HeldBuffers);
    }

    [Fact]
    public async Task A_pool_buffer_given_back_during_the_call_returns_to_the_budget_only_when_the_call_ends()
    {
        var budget = new BufferBudget(1024 * 1024);
        var call = new TaskCompletionSource();
        var block = budget.Rent();
        var held = budget.Used;

        budget.Hold(block.Memory, call.Task);
        block.Dispose();
        Assert.Equal(held, budget.Used);

        call.SetResult();
        await call.Task;
        Assert.Equal(0, budget.Used);
        Assert.Equal(0, budget.HeldBuffers);
    }

    [Fact]
    public void An_ended_call_s_late_cleanup_leaves_a_newer_hold_on_the_same_array_alone()
    {
        var budget = new BufferBudget(1024 * 1024);
        var array = new byte[100];
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource();

        budget.Hold(array, first.Task);
        budget.Hold(array, second.Task);
        first.SetResult();

        Assert.Equal(1, budget.HeldBuffers);
        second.SetResult();
        Assert.Equal(0, budget.HeldBuffers);
    }
}
