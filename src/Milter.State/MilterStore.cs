using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter.State;

/// <summary>
/// State that outlives a connection and may be shared by several milter instances: counters, sets and values, each
/// with an expiry. <see cref="Create"/> opens the store the settings name: SQLite on this machine (the default) or
/// Redis for several machines. Every operation is atomic in the store, so instances never lose each other's updates.
/// </summary>
/// <remarks>
/// An operation the store cannot carry out within <see cref="Timeout"/> (Redis down, frozen or refusing us, the
/// database locked or unwritable) throws <see cref="MilterStoreUnavailableException"/>, whatever the store's client
/// raised; <see cref="DecideAsync"/> turns that into the verdict <see cref="WhenUnavailable"/> chooses, within that same
/// time for the whole decision. Expiries are measured by the store's clock, and <see cref="GetTimeAsync"/> reads it,
/// so instances whose clocks differ still agree.
/// </remarks>
public abstract class MilterStore : IAsyncDisposable
{
    private readonly ILogger _log;
    private StoreOutageLog? _outage;
    private volatile ObservedFault? _lastFault;

    /// <summary>Sets what a decision answers when the store cannot be reached, and how long a decision may take.</summary>
    /// <param name="whenUnavailable">The answer of a decision the store cannot make.</param>
    /// <param name="timeout">The time a decision, and each operation, may take before the store counts as unavailable.</param>
    /// <param name="log">Where outages are logged; nowhere when null.</param>
    protected MilterStore(StoreUnavailableAction whenUnavailable, TimeSpan timeout, ILogger? log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        WhenUnavailable = whenUnavailable;
        Timeout = timeout;
        _log = log ?? NullLogger.Instance;
    }

    /// <summary>What <see cref="DecideAsync"/> answers when the store cannot be reached.</summary>
    public StoreUnavailableAction WhenUnavailable { get; }

    /// <summary>The time budget: a decision is answered within it, the store's or the configured answer (<see cref="MilterStoreOptions.Timeout"/>).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>What the store is, for logs: "SQLite /var/lib/greylist/milter-state.db", "Redis redis1:6379 (TLS)". Never a credential.</summary>
    public abstract string Description { get; }

    /// <summary>The tempfail a decision answers when the store cannot be reached and <see cref="WhenUnavailable"/> is <see cref="StoreUnavailableAction.Tempfail"/>.</summary>
    public static MilterVerdict UnavailableVerdict { get; } = MilterVerdict.Tempfail(451, "4.3.0", "Policy store unavailable, try again later");

    /// <summary>Opens the store <paramref name="options"/> name: Redis when <see cref="MilterStoreOptions.Redis"/> is set, else SQLite at <see cref="MilterStoreOptions.SqlitePath"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="loggers">Where the store logs; nowhere when null.</param>
    /// <param name="time">The clock of the SQLite store (tests move it); the system's when null. Redis keeps its own.</param>
    /// <exception cref="MilterStoreUnavailableException">The SQLite file cannot be opened (<see cref="StoreFault.CannotOpen"/>, <see cref="StoreFault.Corrupt"/>...).</exception>
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
    /// The store's clock: Redis's <c>TIME</c>, or this machine's for SQLite (whose processes share it). Compare times
    /// written by several instances with this, not with an instance's own clock, which may be ahead or behind.
    /// </summary>
    public abstract ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that the store answers and takes writes, within <see cref="Timeout"/>: Redis answers a PING (so it is
    /// reached and accepts our credentials and certificate); SQLite grants its write lock. The start-up check and the
    /// readiness check use it.
    /// </summary>
    /// <exception cref="MilterStoreUnavailableException">It does not; <see cref="MilterStoreUnavailableException.Fault"/> says why.</exception>
    public abstract ValueTask CheckAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a decision that uses the store. When the store cannot be reached, the answer is <see cref="UnavailableVerdict"/>
    /// (fail closed, the default: the MTA tempfails and the sender retries) or <see cref="MilterVerdict.Continue"/>
    /// (fail open), as <see cref="WhenUnavailable"/> says. The whole decision has <see cref="Timeout"/>: past it, the
    /// answer is the configured one, whatever the decision still waits for. An outage is logged in a few lines, not one per message.
    /// </summary>
    public async ValueTask<MilterVerdict> DecideAsync(Func<CancellationToken, ValueTask<MilterVerdict>> decide, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decide);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Timeout);
        try
        {
            var decision = decide(budget.Token);
            // A decision that does not watch its token is still answered on time.
            var verdict = decision.IsCompleted ? decision.Result : await decision.AsTask().WaitAsync(budget.Token).ConfigureAwait(false);
            _outage?.Available();
            return verdict;
        }
        catch (MilterStoreUnavailableException e)
        {
            return Unavailable(e);
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Unavailable(TimedOut(e));
        }
    }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// The fault of an operation or a decision that ran out of <see cref="Timeout"/>: a timeout, or, when an operation
    /// failed for a reason of its own just before (the database locked, the connection refused), that reason, which
    /// says more about why nothing answered.
    /// </summary>
    private protected MilterStoreUnavailableException TimedOut(Exception? cause)
    {
        var waited = $"no answer within {Timeout.TotalSeconds:0.###} s";
        return _lastFault is { } last && Environment.TickCount64 - last.At < 2 * Timeout.TotalMilliseconds
            ? new(Description, last.Fault.Fault, $"{last.Fault.Reason} ({waited})", cause)
            : new(Description, StoreFault.Timeout, waited, cause);
    }

    /// <summary>Remembers an operation's fault for <see cref="TimedOut"/>, and returns it to be thrown.</summary>
    private protected MilterStoreUnavailableException Observed(MilterStoreUnavailableException fault)
    {
        _lastFault = new ObservedFault(fault, Environment.TickCount64);
        return fault;
    }

    /// <summary>
    /// A time budget of <see cref="Timeout"/> for one operation, inside the caller's (a decision's): cancelled when
    /// either ends. An operation that sees it cancelled while <paramref name="cancellationToken"/> is not has timed out.
    /// </summary>
    private protected CancellationTokenSource OperationBudget(CancellationToken cancellationToken)
    {
        var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Timeout);
        return budget;
    }

    private MilterVerdict Unavailable(MilterStoreUnavailableException fault)
    {
        var outage = _outage ?? Interlocked.CompareExchange(ref _outage, new StoreOutageLog(_log, Description, WhenUnavailable), null) ?? _outage;
        outage.Unavailable(fault);
        return WhenUnavailable == StoreUnavailableAction.Continue ? MilterVerdict.Continue : UnavailableVerdict;
    }

    /// <summary>Checks the arguments every operation shares.</summary>
    private protected static void CheckKey(string key, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (lifetime is { } value)
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1));
    }

    private sealed record ObservedFault(MilterStoreUnavailableException Fault, long At);
}
