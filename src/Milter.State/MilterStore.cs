using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter.State;

/// <summary>
/// State that outlives a connection and may be shared by several milter instances: counters, sets and values, each
/// with an expiry. <see cref="Create"/> opens the store the settings name: SQLite on this machine (the default) or
/// Redis for several machines. Every operation is atomic in the store, so instances never lose each other's updates.
/// </summary>
/// <remarks>
/// An operation the store cannot carry out in time (Redis down or unreachable, the database locked or unwritable)
/// throws <see cref="MilterStoreUnavailableException"/>; <see cref="DecideAsync"/> turns that into the verdict
/// <see cref="WhenUnavailable"/> chooses. Expiries are measured by the store's clock (Redis's own, so instances whose
/// clocks differ still agree).
/// </remarks>
public abstract class MilterStore : IAsyncDisposable
{
    private static readonly long WarningInterval = TimeSpan.FromSeconds(10).Ticks;
    private readonly ILogger _log;
    private long _lastWarning = -WarningInterval;
    private long _suppressed;

    /// <summary>Sets what a decision answers when the store cannot be reached.</summary>
    protected MilterStore(StoreUnavailableAction whenUnavailable, ILogger? log)
    {
        WhenUnavailable = whenUnavailable;
        _log = log ?? NullLogger.Instance;
    }

    /// <summary>What <see cref="DecideAsync"/> answers when the store cannot be reached.</summary>
    public StoreUnavailableAction WhenUnavailable { get; }

    /// <summary>What the store is, for logs: "SQLite /var/lib/greylist/milter-state.db", "Redis redis1:6379".</summary>
    public abstract string Description { get; }

    /// <summary>The tempfail a decision answers when the store cannot be reached and <see cref="WhenUnavailable"/> is <see cref="StoreUnavailableAction.Tempfail"/>.</summary>
    public static MilterVerdict UnavailableVerdict { get; } = MilterVerdict.Tempfail(451, "4.3.0", "Policy store unavailable, try again later");

    /// <summary>Opens the store <paramref name="options"/> name: Redis when <see cref="MilterStoreOptions.Redis"/> is set, else SQLite at <see cref="MilterStoreOptions.SqlitePath"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="loggers">Where the store logs; nowhere when null.</param>
    /// <param name="time">The clock of the SQLite store (tests move it); the system's when null. Redis keeps its own.</param>
    public static MilterStore Create(MilterStoreOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = loggers?.CreateLogger("Milter.State");
        MilterStore store = string.IsNullOrWhiteSpace(options.Redis)
            ? new SqliteMilterStore(options, time ?? TimeProvider.System, log)
            : new RedisMilterStore(options, log);
        if (log is not null)
            StateLog.Opened(log, store.Description, store.WhenUnavailable);
        return store;
    }

    /// <summary>
    /// Adds one to the counter <paramref name="key"/>. The first increment creates it and starts its window: the counter
    /// disappears <paramref name="window"/> later, whatever happens in between (a fixed window).
    /// </summary>
    /// <returns>The count after this increment, and when the window ends.</returns>
    public abstract ValueTask<StoreCounter> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>Adds <paramref name="member"/> to the set <paramref name="set"/> for <paramref name="lifetime"/> from now (again, if it was there); each member expires on its own.</summary>
    public abstract ValueTask AddToSetAsync(string set, string member, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="member"/> is in the set <paramref name="set"/> and has not expired.</summary>
    public abstract ValueTask<bool> SetContainsAsync(string set, string member, CancellationToken cancellationToken = default);

    /// <summary>The value stored at <paramref name="key"/>, or null when there is none or it expired.</summary>
    public abstract ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/>, to expire after <paramref name="lifetime"/>, only if the
    /// value there is still <paramref name="expected"/> (null: there is none). Of several instances racing on one key,
    /// exactly one succeeds.
    /// </summary>
    /// <returns>Whether the value was stored.</returns>
    public abstract ValueTask<bool> CompareAndSetAsync(string key, string? expected, string value, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a decision that uses the store. When the store cannot be reached, the answer is <see cref="UnavailableVerdict"/>
    /// (fail closed, the default: the MTA tempfails and the sender retries) or <see cref="MilterVerdict.Continue"/>
    /// (fail open), as <see cref="WhenUnavailable"/> says, with a warning in the log at most every 10 seconds.
    /// </summary>
    public async ValueTask<MilterVerdict> DecideAsync(Func<CancellationToken, ValueTask<MilterVerdict>> decide, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decide);
        try
        {
            return await decide(cancellationToken).ConfigureAwait(false);
        }
        catch (MilterStoreUnavailableException e)
        {
            WarnUnavailable(e);
            return WhenUnavailable == StoreUnavailableAction.Continue ? MilterVerdict.Continue : UnavailableVerdict;
        }
    }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private void WarnUnavailable(MilterStoreUnavailableException e)
    {
        // Every message meets the outage: one line per interval says how many did, instead of one line each.
        var now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
        var last = Interlocked.Read(ref _lastWarning);
        if (now - last < WarningInterval || Interlocked.CompareExchange(ref _lastWarning, now, last) != last)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }

        StateLog.Unavailable(_log, Description, e.Message, WhenUnavailable, Interlocked.Exchange(ref _suppressed, 0));
    }

    /// <summary>Checks the arguments every operation shares.</summary>
    private protected static void CheckKey(string key, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (lifetime is { } value)
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1));
    }
}
