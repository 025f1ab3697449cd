using Microsoft.Data.Sqlite;
using Milter.IntegrationTests.Support;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>A store that cannot be reached fails within its timeout, and a decision then answers as configured.</summary>
public sealed class StoreUnavailableTests(Stores stores)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Redis_where_nothing_listens_fails_each_operation_within_the_timeout()
    {
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = $"127.0.0.1:{FreePorts.One()}", Timeout = Timeout });

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.IncrementAsync("k", TimeSpan.FromMinutes(1)));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.StartsWith($"{store.Description}: ", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.CompareAndSetAsync("k", null, "v", TimeSpan.FromMinutes(1)));
        await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.SetContainsAsync("s", "m"));
    }

    [Fact]
    public async Task A_locked_SQLite_database_fails_an_operation_after_the_timeout()
    {
        var options = stores.Options("sqlite");
        options.Timeout = Timeout;
        await using var store = MilterStore.Create(options);
        using var other = new SqliteConnection($"Data Source={options.SqlitePath}");
        other.Open();
        using (var exclusive = other.CreateCommand())
        {
            exclusive.CommandText = "BEGIN EXCLUSIVE";
            exclusive.ExecuteNonQuery();
        }

        await Assert.ThrowsAsync<MilterStoreUnavailableException>(async () => await store.IncrementAsync("k", TimeSpan.FromMinutes(1)));

        using (var commit = other.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        Assert.Equal(1, (await store.IncrementAsync("k", TimeSpan.FromMinutes(1))).Count);
    }

    [Theory]
    [InlineData(StoreUnavailableAction.Tempfail)]
    [InlineData(StoreUnavailableAction.Continue)]
    public async Task A_decision_the_store_cannot_make_fails_closed_or_open_as_configured(StoreUnavailableAction action)
    {
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = $"127.0.0.1:{FreePorts.One()}", Timeout = Timeout, WhenUnavailable = action });

        var verdict = await store.DecideAsync(async ct =>
        {
            await store.IncrementAsync("k", TimeSpan.FromMinutes(1), ct);
            return MilterVerdict.Reject(550, "5.7.1", "never reached");
        });

        Assert.Equal(action == StoreUnavailableAction.Tempfail ? MilterVerdict.Tempfail(451, "4.3.0", "Policy store unavailable, try again later") : MilterVerdict.Continue, verdict);
    }

    [Fact]
    public async Task An_outage_is_logged_once_and_not_once_per_message()
    {
        using var loggers = new CapturingLoggers();
        // A refused connection is known at once; the longer limit keeps a loaded machine from calling it a timeout first.
        await using var store = MilterStore.Create(new MilterStoreOptions { Redis = $"127.0.0.1:{FreePorts.One()}", Timeout = TimeSpan.FromSeconds(5) }, loggers);

        for (var i = 0; i < 3; i++)
            await store.DecideAsync(async ct => (await store.GetAsync("k", ct)) is null ? MilterVerdict.Continue : MilterVerdict.Accept);

        Assert.Equal($"State store: {store.Description}; when it is unavailable: Tempfail", loggers.Lines[0].Text);
        var warning = Assert.Single(loggers.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal($"State store {store.Description} unavailable (ConnectionFailed: cannot connect: refused or unreachable); answering 451 4.3.0", warning.Text);
    }

    [Fact]
    public async Task A_decision_the_store_can_make_is_the_decision()
    {
        await using var store = stores.Open("sqlite");
        var verdict = await store.DecideAsync(async ct =>
            (await store.IncrementAsync("k", TimeSpan.FromMinutes(1), ct)).Count == 1 ? MilterVerdict.Accept : MilterVerdict.Continue);
        Assert.Equal(MilterVerdict.Accept, verdict);
    }
}
