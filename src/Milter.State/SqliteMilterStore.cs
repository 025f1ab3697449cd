using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Milter.State;

/// <summary>
/// The embedded store: one SQLite file, kept across restarts. One connection, used by one operation at a time (SQLite
/// writes one at a time anyway); several processes on one machine may share the file (WAL, busy timeout). Times are
/// this machine's clock, the one every process sharing the file reads.
/// </summary>
/// <remarks>
/// SQLite's calls block (waiting for a lock, a slow disk): each runs on the thread pool, and the caller stops waiting
/// for it at the time budget. The operation may still finish afterwards; the next one waits for it, within its own budget.
/// </remarks>
internal sealed class SqliteMilterStore : MilterStore
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(10);
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ITimer _purgeTimer;
    private readonly SqliteStatements _sql;

    public SqliteMilterStore(MilterStoreOptions options, TimeProvider time, ILogger? log)
        : base(options.WhenUnavailable, options.Timeout, log)
    {
        var path = ResolvePath(options.SqlitePath);
        Description = "SQLite " + path;
        _time = time;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Pooling = false,
                // SQLite waits for a lock three quarters of the budget, then says "locked" while the decision still has time
                // to answer with that reason; the client's own retries (a second at least) stop at that first refusal.
                DefaultTimeout = 1,
            }.ToString());
            _connection.Open();
            _sql = new SqliteStatements(_connection, options.Timeout * 0.75);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            _connection?.Dispose();
            var (fault, reason) = SqliteFaults.Classify(e);
            throw new MilterStoreUnavailableException(Description, fault is StoreFault.Other ? StoreFault.CannotOpen : fault, "cannot open: " + reason, e);
        }

        _purgeTimer = time.CreateTimer(_ => _ = PurgeAsync(), null, PurgeInterval, PurgeInterval);
    }

    public override string Description { get; }

    public override ValueTask<StoreCounter> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default)
    {
        CheckKey(key, window);
        return RunWriteAsync(now =>
        {
            using var reader = _sql.Increment.With(("$key", key), ("$now", now), ("$expires", now + (long)window.TotalMilliseconds)).ExecuteReader();
            reader.Read();
            return new StoreCounter(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
        }, cancellationToken);
    }

    public override async ValueTask AddToSetAsync(string set, string member, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        CheckKey(set, lifetime);
        ArgumentNullException.ThrowIfNull(member);
        await RunWriteAsync(now => _sql.AddMember.With(("$set", set), ("$member", member), ("$expires", now + (long)lifetime.TotalMilliseconds)).ExecuteNonQuery(),
            cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask<bool> SetContainsAsync(string set, string member, CancellationToken cancellationToken = default)
    {
        CheckKey(set);
        ArgumentNullException.ThrowIfNull(member);
        return RunAsync(now => _sql.ContainsMember.With(("$set", set), ("$member", member), ("$now", now)).ExecuteScalar() is not null, cancellationToken);
    }

    public override ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        return RunAsync(now => (string?)_sql.GetValue.With(("$key", key), ("$now", now)).ExecuteScalar(), cancellationToken);
    }

    public override ValueTask<bool> CompareAndSetAsync(string key, string? expected, string value, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        CheckKey(key, lifetime);
        ArgumentNullException.ThrowIfNull(value);
        return RunWriteAsync(now =>
        {
            var expires = now + (long)lifetime.TotalMilliseconds;
            var command = expected is null
                ? _sql.InsertIfAbsent.With(("$key", key), ("$value", value), ("$now", now), ("$expires", expires))
                : _sql.ReplaceIfEqual.With(("$key", key), ("$value", value), ("$now", now), ("$expires", expires), ("$expected", expected));
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    public override ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_time.GetUtcNow());

    public override async ValueTask CheckAsync(CancellationToken cancellationToken = default) =>
        await RunAsync(_ => _sql.TakeWriteLock.ExecuteNonQuery(), cancellationToken).ConfigureAwait(false);

    public override async ValueTask DisposeAsync()
    {
        await _purgeTimer.DisposeAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _sql.Dispose();
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A relative path is the unit's state directory's (systemd's StateDirectory=), else the working directory's.</summary>
    private static string ResolvePath(string path) =>
        Path.GetFullPath(path, Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } state
            ? state.Split(':')[0]
            : Environment.CurrentDirectory);

    private ValueTask<T> RunAsync<T>(Func<long, T> operation, CancellationToken cancellationToken) => RunAsync(operation, write: false, cancellationToken);

    private ValueTask<T> RunWriteAsync<T>(Func<long, T> operation, CancellationToken cancellationToken) => RunAsync(operation, write: true, cancellationToken);

    private async ValueTask<T> RunAsync<T>(Func<long, T> operation, bool write, CancellationToken cancellationToken)
    {
        using var budget = OperationBudget(cancellationToken);
        try
        {
            await _gate.WaitAsync(budget.Token).ConfigureAwait(false);
            // The gate is released when the call ends, not when the caller stops waiting: one call at a time on the connection.
            var token = budget.Token;
            return await Task.Run(() => Execute(operation, write, token), CancellationToken.None).WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(e);
        }
    }

    /// <summary>
    /// Runs an operation on the connection. A write waits for the lock in BEGIN IMMEDIATE, then goes ahead only if its
    /// caller still waits for it: a write abandoned at the budget never lands later, behind the caller's back.
    /// </summary>
    private T Execute<T>(Func<long, T> operation, bool write, CancellationToken budget)
    {
        try
        {
            budget.ThrowIfCancellationRequested();
            if (!write)
                return operation(_time.GetUtcNow().ToUnixTimeMilliseconds());
            _sql.Begin.ExecuteNonQuery();
            try
            {
                budget.ThrowIfCancellationRequested();
                var result = operation(_time.GetUtcNow().ToUnixTimeMilliseconds());
                _sql.Commit.ExecuteNonQuery();
                return result;
            }
            catch
            {
                // SQLite ends the transaction itself on some errors (a full disk): roll back only one still open.
                if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
                    _sql.Rollback.ExecuteNonQuery();
                throw;
            }
        }
        catch (Exception e) when (e is SqliteException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            var (fault, reason) = SqliteFaults.Classify(e);
            throw Observed(new MilterStoreUnavailableException(Description, fault, reason, e));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PurgeAsync()
    {
        try
        {
            await RunWriteAsync(now => _sql.Purge.With(("$now", now)).ExecuteNonQuery(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MilterStoreUnavailableException or ObjectDisposedException)
        {
            // Expired rows are never read as live; the next purge takes them.
        }
    }
}
