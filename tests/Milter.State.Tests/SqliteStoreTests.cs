using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>What the embedded store adds: it survives a restart, and it does not grow with expired rows.</summary>
public sealed class SqliteStoreTests(Stores stores)
{
    [Fact]
    public async Task What_was_stored_is_there_after_a_restart()
    {
        var options = stores.Options("sqlite");
        await using (var before = MilterStore.Create(options))
        {
            await before.IncrementAsync("counter", TimeSpan.FromHours(1));
            await before.IncrementAsync("counter", TimeSpan.FromHours(1));
            await before.CompareAndSetAsync("value", null, "kept", TimeSpan.FromHours(1));
            await before.AddToSetAsync("set", "member", TimeSpan.FromHours(1));
        }

        await using var after = MilterStore.Create(options);
        Assert.Equal(3, (await after.IncrementAsync("counter", TimeSpan.FromHours(1))).Count);
        Assert.Equal("kept", await after.GetAsync("value"));
        Assert.True(await after.SetContainsAsync("set", "member"));
    }

    [Fact]
    public async Task Expired_rows_are_deleted_every_ten_minutes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = stores.Options("sqlite");
        await using var store = MilterStore.Create(options, time: time);
        await store.IncrementAsync("brief", TimeSpan.FromMinutes(1));
        await store.IncrementAsync("lasting", TimeSpan.FromHours(1));
        await store.AddToSetAsync("set", "brief", TimeSpan.FromMinutes(1));
        await store.CompareAndSetAsync("value", null, "brief", TimeSpan.FromMinutes(1));
        Assert.Equal(4, Rows(options.SqlitePath));

        time.Advance(TimeSpan.FromMinutes(10));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Rows(options.SqlitePath) != 1 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(1, Rows(options.SqlitePath));
        Assert.Equal(2, (await store.IncrementAsync("lasting", TimeSpan.FromHours(1))).Count);
    }

    [Fact]
    public void A_path_that_cannot_be_a_database_stops_the_start_in_words()
    {
        var file = stores.NewSqlitePath();
        File.WriteAllText(file, "not a directory");
        var error = Assert.Throws<MilterStoreUnavailableException>(() => MilterStore.Create(new MilterStoreOptions { SqlitePath = Path.Combine(file, "state.db") }));
        Assert.Equal(StoreFault.CannotOpen, error.Fault);
        Assert.True(error.IsConfigurationFault);
        Assert.StartsWith($"SQLite {Path.Combine(file, "state.db")}: cannot open: ", error.Message, StringComparison.Ordinal);
    }

    private static long Rows(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT count(*) FROM counters) + (SELECT count(*) FROM kv) + (SELECT count(*) FROM set_members)";
        return (long)count.ExecuteScalar()!;
    }
}
