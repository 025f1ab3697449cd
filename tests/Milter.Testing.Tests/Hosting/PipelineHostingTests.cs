using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Milter.Client;
using Milter.Hosting;

namespace Milter.Testing.Tests.Hosting;

/// <summary>A policy that refuses everything: what it would do is plain to see in dry run.</summary>
[MailFilter("strict")]
public partial class StrictFilter
{
    [OnEndOfMessage]
    public MilterVerdict End() => MilterVerdict.Reject(550, "5.7.1", "strict policy");
}

/// <summary>A hosted pipeline: its parts' settings from configuration, dry run switched by a reload (what SIGHUP does).</summary>
public class PipelineHostingTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IGreeting, Greeting>();
        builder.Services.AddMilterPipeline(services => MilterPipeline.Create("hosted").Add<StrictFilter>(services).Add<GreetingFilter>(services).Build());
        return builder.Build();
    }

    private static async Task<MessageOutcome> SendAsync(IHost host)
    {
        var address = host.Services.GetRequiredService<MilterPipelineHostedService>().Addresses[0].ToString();
        await using var client = await MilterClient.ConnectAsync(address);
        return await client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]), MailMessage.Parse(Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nBody.\r\n")));
    }

    [Fact]
    public async Task Dry_run_comes_from_configuration_and_a_reload_switches_it_for_the_next_message()
    {
        using var host = Build(new()
        {
            ["Milter:Listen:0"] = "inet:0@127.0.0.1",
            ["Milter:Pipeline:Parts:strict:DryRun"] = "true",
            ["Milter:Pipeline:Parts:strict:DryRunHeader"] = "X-DryRun-Strict",
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();

        var dry = await SendAsync(host);
        configuration["Milter:Pipeline:Parts:strict:DryRun"] = "false";
        configuration["Milter:Pipeline:Parts:strict:ClientNetworks:0"] = "not a network";
        configuration.Reload();
        var afterBadReload = await SendAsync(host);
        configuration["Milter:Pipeline:Parts:strict:ClientNetworks:0"] = "127.0.0.0/8";
        configuration.Reload();
        var live = await SendAsync(host);
        await host.StopAsync(TestContext.Current.CancellationToken);

        var delivered = new MilterTestResult(dry).AssertAccepted();
        Assert.Equal("strict: reject 550 5.7.1 strict policy at eom", delivered.Headers["X-DryRun-Strict"]);
        Assert.Equal("hello from configuration", delivered.Headers["X-Greeting"]);
        // A reload with an invalid setting is refused whole: the part stays in dry run.
        Assert.True(afterBadReload.Accepted);
        Assert.True(live.Rejected);
    }

    private sealed class Greeting : IGreeting
    {
        public string Text => "hello from configuration";
    }
}
