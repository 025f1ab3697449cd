using Milter.IntegrationTests.Support;

[assembly: AssemblyFixture(typeof(Milter.State.Tests.Support.Stores))]

namespace Milter.State.Tests.Support;

/// <summary>
/// Opens stores of either kind for the tests: SQLite in a file of the test's own, Redis on one private redis-server for
/// the whole run (each test uses keys of its own). A Redis test is skipped, with the reason, where redis-server cannot start.
/// </summary>
public sealed class Stores : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-state-tests-").FullName;
    private RedisServer? _redis;
    private string? _redisUnavailable;

    public static TheoryData<string> Kinds => ["sqlite", "redis"];

    public async ValueTask InitializeAsync()
    {
        _redisUnavailable = RedisServer.Unavailable();
        if (_redisUnavailable is null)
            _redis = await RedisServer.StartAsync();
    }

    /// <summary>A new file name in the run's folder.</summary>
    public string NewSqlitePath() => Path.Combine(_directory, $"{Guid.NewGuid():N}.db");

    /// <summary>Settings for a store of <paramref name="kind"/>: a new SQLite file, or the run's Redis.</summary>
    public MilterStoreOptions Options(string kind, string? sqlitePath = null)
    {
        if (kind == "sqlite")
            return new MilterStoreOptions { SqlitePath = sqlitePath ?? NewSqlitePath() };
        if (_redis is null)
            Assert.Skip(_redisUnavailable ?? "no Redis");
        return new MilterStoreOptions { Redis = _redis.Configuration };
    }

    /// <summary>
    /// Makes <paramref name="calls"/> calls at once, alternately on two stores opened on the same data, as two milter
    /// instances would: the results in call order, and the settings that open a third store on that data.
    /// </summary>
    public async Task<(T[] Results, MilterStoreOptions Options)> FromTwoInstancesAtOnceAsync<T>(string kind, int calls, Func<MilterStore, int, Task<T>> call)
    {
        var options = Options(kind);
        await using var first = MilterStore.Create(options);
        await using var second = MilterStore.Create(options);
        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => Task.Run(() => call(i % 2 == 0 ? first : second, i))));
        return (results, options);
    }

    public MilterStore Open(string kind, TimeProvider? time = null) => MilterStore.Create(Options(kind), time: time);

    /// <summary>A key no other test uses, on the shared Redis.</summary>
    public static string Unique(string what) => $"test:{what}:{Guid.NewGuid():N}";

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
            await _redis.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
