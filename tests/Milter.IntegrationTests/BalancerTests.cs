using System.Net;
using System.Net.Sockets;
using Milter.Client;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// The two ways to spread an MTA over several milter instances, as docs/scaling.md gives them: HAProxy with a health
/// check that negotiates, and Postfix's own failover across the addresses of one host name.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public sealed class BalancerTests
{
    [Fact]
    public async Task HAProxy_takes_out_an_instance_that_accepts_connections_but_does_not_answer_as_a_milter()
    {
        if (HAProxy.Unavailable() is { } reason)
            Assert.Skip(reason);
        var folder = Directory.CreateTempSubdirectory("milter-balancer-").FullName;
        await using var milter = await StartRateLimitAsync(folder, "127.0.0.1", FreePorts.One());
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            // A hung process: the kernel accepts, nothing is ever said.
            while (true)
                accepted.Add(await silent.AcceptSocketAsync());
        });
        await using var haproxy = await HAProxy.StartAsync([$"127.0.0.1:{milter.Port}", $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", $"127.0.0.1:{FreePorts.One()}"]);

        await haproxy.WaitForStatesAsync(("m1", "UP"), ("m2", "DOWN"), ("m3", "DOWN"));
        for (var i = 0; i < 3; i++)
        {
            await using var client = await MilterClient.ConnectAsync($"inet:{haproxy.Port}@127.0.0.1", MtaProfile.Postfix, TimeSpan.FromSeconds(5));
            Assert.Equal(6u, (await client.NegotiateAsync()).Version);
        }

        // The checks negotiate and say QUIT: the milter logs them as nothing worse than information.
        Assert.DoesNotMatch("(?m)^(warn|fail|crit):", milter.Output);
        Assert.NotEmpty(accepted);
        await milter.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Postfix_fails_over_between_the_addresses_of_one_host_name_while_one_instance_is_left()
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        var port = FreePorts.One();
        var folder = Directory.CreateTempSubdirectory("milter-balancer-").FullName;
        var hosts = Path.Combine(folder, "hosts");
        await File.WriteAllTextAsync(hosts, "127.0.0.1 localhost\n127.0.0.11 milters.harness.test\n127.0.0.12 milters.harness.test\n");
        try
        {
            var first = await StartRateLimitAsync(folder, "127.0.0.11", port);
            await using var second = await StartRateLimitAsync(folder, "127.0.0.12", port);
            await using var postfix = await PostfixInstance.StartWithHostsAsync($"inet:milters.harness.test:{port}", hosts);

            Assert.Equal(250, (await SendAsync(postfix)).Code);
            await first.DisposeAsync();
            for (var i = 0; i < 3; i++)
                Assert.Equal(250, (await SendAsync(postfix)).Code);

            await second.KillAsync();
            var refused = await SendAsync(postfix);
            Assert.Equal(451, refused.Code);
            Assert.StartsWith("4.7.1 ", refused.Lines[0], StringComparison.Ordinal);

            await using var back = await StartRateLimitAsync(folder, "127.0.0.12", port);
            Assert.Equal(250, (await SendAsync(postfix)).Code);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The published RateLimit on HOST:PORT with no limits: a milter that lets everything through, its SQLite file in <paramref name="folder"/>.</summary>
    private static async Task<MilterProcess> StartRateLimitAsync(string folder, string host, int port)
    {
        var (binary, _) = await Published.SampleAsync("RateLimit");
        return await MilterProcess.StartAsync(host, port, binary,
            ["--Milter:Listen:0", $"inet:{port}@{host}", "--RateLimit:MessagesPerClient", "0", "--RateLimit:MessagesPerUser", "0",
             "--Milter:Store:SqlitePath", Path.Combine(folder, $"{host}.db")], Path.GetDirectoryName(binary));
    }

    private static async Task<SmtpAnswer> SendAsync(PostfixInstance postfix)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
        return await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], "Subject: failover\n\nHello.\n");
    }
}
