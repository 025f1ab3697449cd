namespace Milter.State;

/// <summary>A counter after an increment: its count in the current window, and when that window ends.</summary>
/// <param name="Count">The count, this increment included.</param>
/// <param name="ExpiresAt">When the counter disappears and the next increment starts a new window at 1.</param>
public readonly record struct StoreCounter(long Count, DateTimeOffset ExpiresAt);
