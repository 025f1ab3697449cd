using System.Runtime.CompilerServices;

namespace Milter.Server;

/// <summary>
/// How the receive loop awaits a receive or a flush: if the loop suspends on it, the handler call its session left to
/// this thread (<see cref="HandlerCall.RunDeferred"/>) runs then, once the loop's continuation is registered, so the loop
/// goes on reading on another thread whatever the handler does.
/// </summary>
internal readonly struct ThenRunDeferredCalls<T>(ValueTask<T> operation) : ICriticalNotifyCompletion
{
    public ThenRunDeferredCalls<T> GetAwaiter() => this;

    public bool IsCompleted => operation.IsCompleted;

    public T GetResult() => operation.GetAwaiter().GetResult();

    public void OnCompleted(Action continuation)
    {
        operation.ConfigureAwait(false).GetAwaiter().OnCompleted(continuation);
        HandlerCall.RunDeferred();
    }

    public void UnsafeOnCompleted(Action continuation)
    {
        operation.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(continuation);
        HandlerCall.RunDeferred();
    }
}
