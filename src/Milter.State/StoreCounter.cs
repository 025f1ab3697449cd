namespace Milter.State;

/// <summary>A counter after an increment: its count in the current window, and when that window ends.</summary>
/// <param name="Count">The count, this increment included.</param>
/// <param name="ExpiresAt">
/// When the counter disappears and the next increment starts a new window at 1, on this instance's clock (Redis gives
/// the time left, which is the same for every instance): subtract this instance's now for the seconds to wait.
/// </param>
public readonly record struct StoreCounter(long Count, DateTimeOffset ExpiresAt);
