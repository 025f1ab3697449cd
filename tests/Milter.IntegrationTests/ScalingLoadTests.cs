using System.Globalization;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// The load figures of docs/performance.md: the same milter-test load through one RateLimit instance and through three
/// behind HAProxy, all on one Redis. Explicit (a measurement, not a check): run it by hand with
/// <c>Milter.IntegrationTests -method "*Load_through*" -explicit only -showLiveOutput</c>.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public sealed class ScalingLoadTests(ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public async Task Load_through_one_instance_and_through_three_behind_HAProxy()
    {
        if (MilterCluster.Unavailable() is { } reason)
            Assert.Skip(reason);
        var (milterTest, _) = await Published.GetAsync(Path.Combine("src", "Milter.Cli"), "milter-test");
        var message = Path.Combine(Path.GetDirectoryName(milterTest)!, "load.eml");
        await File.WriteAllTextAsync(message, "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: load\r\n\r\nHello.\r\n");
        // Two counters per message (the user's and the client's), never over the limit.
        await using var cluster = await MilterCluster.StartAsync("RateLimit", "--RateLimit:MessagesPerClient", "1000000000", "--RateLimit:MessagesPerUser", "1000000000",
            "--Logging:LogLevel:Default", "Warning");

        // The same sample on its embedded store, for the cost of the network hop to Redis; and with no limit, for the cost of the store.
        var folder = Directory.CreateTempSubdirectory("milter-load-").FullName;
        await using var embedded = await StartAloneAsync(folder, "1000000000");
        await using var storeless = await StartAloneAsync(folder, "0");

        foreach (var concurrency in new[] { 8, 64 })
        {
            for (var run = 1; run <= 3; run++)
            {
                foreach (var (name, address) in new[]
                {
                    ("one instance, Redis", cluster.Instances[0].Address), ("three behind HAProxy, Redis", $"inet:{cluster.Balancer.Port}@127.0.0.1"),
                    ("one instance, SQLite", embedded.Address), ("one instance, no store call", storeless.Address),
                })
                {
                    var (exit, report) = await Command.RunAsync(milterTest, "send", address, message, "--count", "20000", "--concurrency",
                        concurrency.ToString(CultureInfo.InvariantCulture), "--macro", "M:{auth_authen}=alice");
                    Assert.True(exit == 0, report);
                    output.WriteLine($"{concurrency} connections, run {run}, {name}: {report.Trim()}");
                }
            }
        }

        await embedded.DisposeAsync();
        await storeless.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>RateLimit on a SQLite file of its own, both limits at <paramref name="limit"/> (0: no limit, so no store call).</summary>
    private static async Task<MilterProcess> StartAloneAsync(string folder, string limit)
    {
        var port = FreePorts.One();
        return await MilterProcess.StartAsync("127.0.0.1", port, (await Published.SampleAsync("RateLimit")).Binary,
            ["--Milter:Listen:0", $"inet:{port}@127.0.0.1", "--Milter:Store:SqlitePath", Path.Combine(folder, $"{port}.db"),
             "--RateLimit:MessagesPerClient", limit, "--RateLimit:MessagesPerUser", limit, "--Logging:LogLevel:Default", "Warning"], folder);
    }
}
