using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Milter.State;

/// <summary>
/// The shared store: one Redis for every instance. Connects in the background and reconnects by itself; while Redis is
/// not connected, an operation is tried once more a quarter of a second later, then fails with the reason the last
/// connection attempt failed (refused, wrong password, untrusted certificate): it neither waits for the whole budget
/// nor hides why. An operation on a connection that does not answer (a frozen Redis) fails at the store's timeout.
/// </summary>
internal sealed class RedisMilterStore : MilterStore
{
    private static readonly TimeSpan ReconnectBreath = TimeSpan.FromMilliseconds(250);
    private readonly Task<ConnectionMultiplexer> _connecting;
    private readonly string[] _hostNames;
    private long _hostNamesCheckedUntil;
    private volatile bool _hostNameUnknown;

    public RedisMilterStore(MilterStoreOptions options, ILogger? log)
        : base(options.WhenUnavailable, options.Timeout, log)
    {
        var configuration = RedisConnectionSettings.From(options);
        var milliseconds = (int)options.Timeout.TotalMilliseconds;
        // Start even while Redis is down (mail is then tempfailed or let through, as configured), and come back soon after it does.
        configuration.AbortOnConnectFail = false;
        configuration.AsyncTimeout = configuration.SyncTimeout = milliseconds;
        // The client waits the whole connect timeout when Redis refuses us; half the budget leaves the first operations
        // the other half to learn why.
        configuration.ConnectTimeout = milliseconds / 2;
        configuration.ConnectRetry = 1;
        configuration.ReconnectRetryPolicy = new LinearRetry((int)ReconnectBreath.TotalMilliseconds * 2);
        // Not connected: fail at once with the last connection error inside, rather than queue until the timeout.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= "milter";
        Description = RedisConnectionSettings.Describe(configuration);
        _hostNames = [.. configuration.EndPoints.OfType<DnsEndPoint>().Select(e => e.Host).Distinct()];
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

    public override ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            // TIME: seconds and microseconds of Redis's clock, the one every instance shares.
            var time = (RedisResult[])(await db.ExecuteAsync("TIME").ConfigureAwait(false))!;
            var seconds = long.Parse((string)time[0]!, CultureInfo.InvariantCulture);
            var microseconds = long.Parse((string)time[1]!, CultureInfo.InvariantCulture);
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(microseconds * 10);
        }, cancellationToken);

    public override async ValueTask CheckAsync(CancellationToken cancellationToken = default) =>
        await RunAsync(db => db.PingAsync(), cancellationToken).ConfigureAwait(false);

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
        using var budget = OperationBudget(cancellationToken);
        try
        {
            var connection = await _connecting.WaitAsync(budget.Token).ConfigureAwait(false);
            try
            {
                return await operation(connection.GetDatabase()).WaitAsync(budget.Token).ConfigureAwait(false);
            }
            catch (RedisConnectionException e) when (!connection.IsConnected && RedisFaults.Classify(e).Fault == StoreFault.ConnectionFailed)
            {
                // Just disconnected, the client often knows why only at its next attempt (a refused password, a
                // certificate), and a restarted Redis may be back: one more try after a breath, within the budget.
                await Task.Delay(ReconnectBreath, budget.Token).ConfigureAwait(false);
                return await operation(connection.GetDatabase()).WaitAsync(budget.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (fault, reason) = RedisFaults.Classify(e);
            if (fault == StoreFault.ConnectionFailed && await HostNameUnknownAsync(budget.Token).ConfigureAwait(false))
                (fault, reason) = (StoreFault.UnknownHost, "the host name does not resolve");
            else if (fault == StoreFault.ConnectionFailed && OnlyReplicasAnswer())
                reason = "no writable primary: the servers that answer are replicas";
            throw Observed(new MilterStoreUnavailableException(Description, fault, reason, e));
        }
    }

    /// <summary>Whether the client refuses a write because every server it reaches is a replica.</summary>
    private bool OnlyReplicasAnswer()
    {
        if (!_connecting.IsCompletedSuccessfully || !_connecting.Result.IsConnected)
            return false;
        var servers = _connecting.Result.GetServers();
        return servers.Any(s => s.IsConnected) && servers.Where(s => s.IsConnected).All(s => s.IsReplica);
    }

    /// <summary>
    /// Whether a host name of the configuration does not resolve: the client reports that as any other failure to
    /// connect. Asked again at most every 5 s.
    /// </summary>
    private async ValueTask<bool> HostNameUnknownAsync(CancellationToken budget)
    {
        if (_hostNames.Length == 0)
            return false;
        var now = Environment.TickCount64;
        if (now < Volatile.Read(ref _hostNamesCheckedUntil))
            return _hostNameUnknown;
        try
        {
            foreach (var name in _hostNames)
                await Dns.GetHostAddressesAsync(name, budget).ConfigureAwait(false);
            _hostNameUnknown = false;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            _hostNameUnknown = true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The resolver itself is away: that says nothing about the name.
            _hostNameUnknown = false;
        }

        Volatile.Write(ref _hostNamesCheckedUntil, now + 5000);
        return _hostNameUnknown;
    }
}
