using System.Globalization;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// The scaling recipe on loopback: a private redis-server, three instances of a published state sample sharing it,
/// and HAProxy in front of them (haproxy/milters.cfg). Postfix points at <see cref="PostfixMilter"/>.
/// </summary>
internal sealed class MilterCluster : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string[] _settings;

    private MilterCluster(string binary, string[] settings, RedisServer redis)
    {
        _binary = binary;
        _settings = settings;
        Redis = redis;
    }

    public RedisServer Redis { get; }

    /// <summary>m1, m2, m3 as HAProxy names them.</summary>
    public List<MilterProcess> Instances { get; } = [];

    public HAProxy Balancer { get; private set; } = null!;

    /// <summary>The milter setting of the Postfix in front: the balancer.</summary>
    public string PostfixMilter => $"inet:127.0.0.1:{Balancer.Port}";

    /// <summary>Why the cluster cannot run here (no Postfix, Redis or HAProxy), or null when it can.</summary>
    public static string? Unavailable() => PostfixInstance.Unavailable() ?? RedisServer.Unavailable() ?? HAProxy.Unavailable();

    /// <summary>Starts Redis, three instances of samples/<paramref name="sample"/> with <paramref name="settings"/> (--Key value pairs), and the balancer.</summary>
    public static async Task<MilterCluster> StartAsync(string sample, params string[] settings)
    {
        var (binary, _) = await Published.SampleAsync(sample);
        var cluster = new MilterCluster(binary, settings, await RedisServer.StartAsync());
        try
        {
            for (var i = 0; i < 3; i++)
                cluster.Instances.Add(await cluster.StartInstanceAsync(FreePorts.One()));
            cluster.Balancer = await HAProxy.StartAsync([.. cluster.Instances.Select(m => $"127.0.0.1:{m.Port}")]);
            await cluster.Balancer.WaitForStatesAsync(("m1", "UP"), ("m2", "UP"), ("m3", "UP"));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// An instance on <paramref name="port"/>: the sample's appsettings.json, its Redis set by the one setting, the test's
    /// settings; with <paramref name="clockOffset"/> (faketime's form, "+4s"), run under faketime on a clock that far off.
    /// </summary>
    public Task<MilterProcess> StartInstanceAsync(int port, string? clockOffset = null)
    {
        string[] arguments = ["--Milter:Listen:0", $"inet:{port}@127.0.0.1", "--Milter:Store:Redis", Redis.Configuration, "--Milter:Store:Timeout", "00:00:01", .. _settings];
        return clockOffset is null
            ? MilterProcess.StartAsync("127.0.0.1", port, _binary, arguments, Path.GetDirectoryName(_binary))
            : MilterProcess.StartAsync("127.0.0.1", port, FakeTime, ["-f", clockOffset, _binary, .. arguments], Path.GetDirectoryName(_binary));
    }

    /// <summary>Debian's faketime (package faketime): runs a program with libfaketime preloaded.</summary>
    public const string FakeTime = "/usr/bin/faketime";

    /// <summary>Every instance's log, by name (m1, m2, m3).</summary>
    public IReadOnlyDictionary<string, string> Logs() =>
        Instances.Select((m, i) => (Name: "m" + (i + 1).ToString(CultureInfo.InvariantCulture), m.Output)).ToDictionary(p => p.Name, p => p.Output);

    public async ValueTask DisposeAsync()
    {
        if (Balancer is not null)
            await Balancer.DisposeAsync();
        foreach (var instance in Instances)
            await instance.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
