using Microsoft.Data.Sqlite;

namespace Milter.State;

/// <summary>The SQLite store's schema and its statements, prepared once on its connection. Times are Unix milliseconds.</summary>
internal sealed class SqliteStatements : IDisposable
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS set_members (name TEXT NOT NULL, member TEXT NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (name, member)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires);
        CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires);
        CREATE INDEX IF NOT EXISTS set_members_expires ON set_members (expires);
        """;

    public SqliteStatements(SqliteConnection connection, TimeSpan busyTimeout)
    {
        using (var schema = connection.CreateCommand())
        {
            // Another process holding the file waits this long before an operation counts as failed.
            schema.CommandText = $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds};" + Schema;
            schema.ExecuteNonQuery();
        }

        // Every SET expression of an upsert reads the row as it was, so an expired counter restarts at 1 with a new window.
        Increment = Prepare(connection, """
            INSERT INTO counters (key, count, expires) VALUES ($key, 1, $expires)
            ON CONFLICT (key) DO UPDATE SET
                count = CASE WHEN counters.expires <= $now THEN 1 ELSE counters.count + 1 END,
                expires = CASE WHEN counters.expires <= $now THEN excluded.expires ELSE counters.expires END
            RETURNING count, expires
            """);
        AddMember = Prepare(connection, """
            INSERT INTO set_members (name, member, expires) VALUES ($set, $member, $expires)
            ON CONFLICT (name, member) DO UPDATE SET expires = excluded.expires
            """);
        ContainsMember = Prepare(connection, "SELECT 1 FROM set_members WHERE name = $set AND member = $member AND expires > $now");
        GetValue = Prepare(connection, "SELECT value FROM kv WHERE key = $key AND expires > $now");
        // An expired value counts as none: it may be replaced as if absent.
        InsertIfAbsent = Prepare(connection, """
            INSERT INTO kv (key, value, expires) VALUES ($key, $value, $expires)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires WHERE kv.expires <= $now
            """);
        ReplaceIfEqual = Prepare(connection, "UPDATE kv SET value = $value, expires = $expires WHERE key = $key AND value = $expected AND expires > $now");
        // Takes the write lock and lets it go: fails on a read-only file, a full disk's journal, a lock held too long.
        TakeWriteLock = Prepare(connection, "BEGIN IMMEDIATE; ROLLBACK;");
        Begin = Prepare(connection, "BEGIN IMMEDIATE");
        Commit = Prepare(connection, "COMMIT");
        Rollback = Prepare(connection, "ROLLBACK");
        Purge = Prepare(connection, """
            DELETE FROM counters WHERE expires <= $now;
            DELETE FROM kv WHERE expires <= $now;
            DELETE FROM set_members WHERE expires <= $now;
            """);
    }

    public SqliteCommand Increment { get; }

    public SqliteCommand AddMember { get; }

    public SqliteCommand ContainsMember { get; }

    public SqliteCommand GetValue { get; }

    public SqliteCommand InsertIfAbsent { get; }

    public SqliteCommand ReplaceIfEqual { get; }

    public SqliteCommand TakeWriteLock { get; }

    /// <summary>Starts a write: waits for the lock (the busy timeout), so that the write itself never waits.</summary>
    public SqliteCommand Begin { get; }

    public SqliteCommand Commit { get; }

    public SqliteCommand Rollback { get; }

    public SqliteCommand Purge { get; }

    public void Dispose()
    {
        foreach (var command in new[] { Increment, AddMember, ContainsMember, GetValue, InsertIfAbsent, ReplaceIfEqual, TakeWriteLock, Begin, Commit, Rollback, Purge })
            command.Dispose();
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string text)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        return command;
    }
}
