using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Milter.Client;
using Milter.Hosting;

namespace Milter.Testing.Tests;

public interface IGreeting
{
    string Text { get; }
}

/// <summary>A filter whose constructor needs a service from the container.</summary>
[MailFilter]
public partial class GreetingFilter(IGreeting greeting)
{
    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-Greeting", greeting.Text);
        return MilterVerdict.Accept;
    }
}

/// <summary>Milter.Hosting: settings from configuration, validated at start, DI for the filter, graceful stop with the host.</summary>
public class HostingTests
{
    private sealed class Hello : IGreeting
    {
        public string Text => "hello from DI";
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IGreeting, Hello>();
        builder.Services.AddMilter<GreetingFilter>();
        return builder.Build();
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")] // the operator's fallback to .NET's socket engine
    public async Task A_hosted_milter_reads_its_settings_resolves_its_services_and_answers(string epollLoops)
    {
        using var host = Build(new() { ["Milter:Listen:0"] = "inet:0@127.0.0.1", ["Milter:DefaultAction"] = "accept", ["Milter:EpollLoops"] = epollLoops });
        Assert.Equal(bool.Parse(epollLoops), host.Services.GetRequiredService<IOptions<MilterHostingOptions>>().Value.ToServerOptions().EpollLoops);
        await host.StartAsync(TestContext.Current.CancellationToken);
        var address = host.Services.GetRequiredService<MilterHostedService<GreetingFilter>>().Addresses[0].ToString();

        await using (var client = await MilterClient.ConnectAsync(address))
        {
            var outcome = await client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]),
                MailMessage.Parse(Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nBody.\r\n")));
            Assert.Equal("hello from DI", new MilterTestResult(outcome).AssertAccepted().Headers["X-Greeting"]);
        }

        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(MilterVerdict.Accept, host.Services.GetRequiredService<IOptions<MilterHostingOptions>>().Value.ToServerOptions().DefaultVerdict);
    }

    [Fact]
    public async Task Bad_settings_stop_the_host_at_start_with_every_problem_named()
    {
        using var host = Build(new()
        {
            ["Milter:Listen:0"] = "inet:0@127.0.0.1",
            ["Milter:DefaultAction"] = "bounce",
            ["Milter:MaxFrameLength"] = "1000",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(error.Failures, f => f.Contains("DefaultAction must be tempfail, accept or reject", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxFrameLength must be at least 65536", StringComparison.Ordinal));
    }

    [Fact]
    public void The_deadlines_and_the_buffer_budget_come_from_configuration()
    {
        using var host = Build(new()
        {
            ["Milter:Listen:0"] = "inet:0@127.0.0.1",
            ["Milter:NegotiationTimeout"] = "00:00:03",
            ["Milter:HandlerTimeout"] = "00:00:07",
            ["Milter:EndOfMessageTimeout"] = "00:02:00",
            ["Milter:MaxBufferedBytes"] = "33554432",
        });

        var options = host.Services.GetRequiredService<IOptions<MilterHostingOptions>>().Value.ToServerOptions();

        Assert.Equal(
            (TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7), TimeSpan.FromMinutes(2), 32L * 1024 * 1024, 10_000, true),
            (options.NegotiationTimeout, options.HandlerTimeout, options.EndOfMessageTimeout, options.MaxBufferedBytes, options.MaxConnections, options.RefuseExcessConnections));
    }

    [Fact]
    public async Task A_buffer_budget_smaller_than_a_frame_is_a_start_up_error()
    {
        using var host = Build(new() { ["Milter:Listen:0"] = "inet:0@127.0.0.1", ["Milter:MaxBufferedBytes"] = "1000", ["Milter:HandlerTimeout"] = "00:00:00" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(error.Failures, f => f.Contains("MaxBufferedBytes must hold at least one frame", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("HandlerTimeout and EndOfMessageTimeout must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_listen_address_is_a_start_up_error()
    {
        using var host = Build([]);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Milter:Listen needs at least one address", error.Message, StringComparison.Ordinal);
    }
}
