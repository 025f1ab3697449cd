namespace Milter.State;

/// <summary>
/// Which store, and how it behaves: the <c>Milter:Store</c> configuration section by default. Setting
/// <see cref="Redis"/> is the one change that moves a milter from its own SQLite file to a Redis shared by several
/// instances (<c>Milter__Store__Redis=redis1:6379</c>). Read at start-up: a change needs a restart.
/// </summary>
public sealed class MilterStoreOptions
{
    /// <summary>The configuration section read by default.</summary>
    public const string SectionName = "Milter:Store";

    /// <summary>
    /// A StackExchange.Redis configuration string (<c>redis1:6379,password=...,defaultDatabase=2</c>). When set, the
    /// store is that Redis; when empty (the default), SQLite at <see cref="SqlitePath"/>.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// The SQLite database file. A relative path is taken from systemd's <c>STATE_DIRECTORY</c> when the unit has a
    /// <c>StateDirectory=</c>, else from the working directory. Default: milter-state.db.
    /// </summary>
    public string SqlitePath { get; set; } = "milter-state.db";

    /// <summary>How long one operation may take before the store counts as unavailable (default 2 s, below the MTA's milter timeouts).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>What a decision answers when the store is unavailable: <c>Tempfail</c> (fail closed, the default) or <c>Continue</c> (fail open).</summary>
    public StoreUnavailableAction WhenUnavailable { get; set; } = StoreUnavailableAction.Tempfail;
}
