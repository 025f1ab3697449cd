using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Milter.State;

/// <summary>
/// The shared store: one Redis for every instance. Connects in the background and reconnects by itself; while Redis is
/// away, an operation waits for it at most the store's timeout, then counts as unavailable.
/// </summary>
internal sealed class RedisMilterStore : MilterStore
{
    private readonly Task<ConnectionMultiplexer> _connecting;
    private readonly TimeSpan _timeout;

    public RedisMilterStore(MilterStoreOptions options, ILogger? log)
        : base(options.WhenUnavailable, log)
    {
        var configuration = ConfigurationOptions.Parse(options.Redis!);
        var milliseconds = (int)options.Timeout.TotalMilliseconds;
        // Start even while Redis is down (mail is then tempfailed or let through, as configured), and come back soon after it does.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = configuration.AsyncTimeout = configuration.SyncTimeout = milliseconds;
        configuration.ReconnectRetryPolicy = new LinearRetry(500);
        configuration.ClientName ??= "milter";
        Description = "Redis " + string.Join(",", configuration.EndPoints.Select(EndPointCollection.ToString));
        _timeout = options.Timeout;
        _connecting = ConnectionMultiplexer.ConnectAsync(configuration);
    }

    public override string Description { get; }

    public override ValueTask<StoreCounter> IncrementAsync(string key, TimeSpan window, CancellationToken cancellationToken = default)
    {
        CheckKey(key, window);
        return RunAsync(async db =>
        {
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.Increment, [key], [Milliseconds(window)]).ConfigureAwait(false))!;
            return new StoreCounter((long)result[0], DateTimeOffset.UtcNow.AddMilliseconds((long)result[1]));
        }, cancellationToken);
    }

    public override async ValueTask AddToSetAsync(string set, string member, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        CheckKey(set, lifetime);
        ArgumentNullException.ThrowIfNull(member);
        await RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.AddToSet, [set], [member, Milliseconds(lifetime)]), cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask<bool> SetContainsAsync(string set, string member, CancellationToken cancellationToken = default)
    {
        CheckKey(set);
        ArgumentNullException.ThrowIfNull(member);
        return RunAsync(async db => (long)(await db.ScriptEvaluateAsync(RedisScripts.SetContains, [set], [member]).ConfigureAwait(false)) == 1, cancellationToken);
    }

    public override ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        return RunAsync(async db => (string?)await db.StringGetAsync(key).ConfigureAwait(false), cancellationToken);
    }

    public override ValueTask<bool> CompareAndSetAsync(string key, string? expected, string value, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        CheckKey(key, lifetime);
        ArgumentNullException.ThrowIfNull(value);
        return RunAsync(async db => expected is null
            ? await db.StringSetAsync(key, value, lifetime, When.NotExists).ConfigureAwait(false)
            : (long)(await db.ScriptEvaluateAsync(RedisScripts.ReplaceIfEqual, [key], [expected, value, Milliseconds(lifetime)]).ConfigureAwait(false)) == 1,
            cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await (await _connecting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // It never connected: nothing to close.
        }
    }

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private async ValueTask<T> RunAsync<T>(Func<IDatabase, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _connecting.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            return await operation(connection.GetDatabase()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // RedisTimeoutException is a TimeoutException; the connection, LOADING after a restart and READONLY are RedisExceptions.
            throw new MilterStoreUnavailableException($"{Description}: {e.Message}", e);
        }
    }
}
