using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Milter.Client;
using Milter.Hosting;
using Milter.Testing.Tests.Support;

namespace Milter.Testing.Tests.Hosting;

/// <summary>A filter whose end of message always fails: the MTA gets the default verdict.</summary>
[MailFilter]
public partial class FailingFilter
{
    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message) => throw new InvalidOperationException("the filter's bug");
}

/// <summary>services.AddHealthChecks().AddMilter(): liveness and readiness follow the hosted milter's life.</summary>
public class HealthCheckTests
{
    private sealed class Hello : IGreeting
    {
        public string Text => "hello";
    }

    private static IHost Build(Action<MilterHealthOptions>? configure = null) => Build<GreetingFilter>(configure);

    private static IHost Build<TFilter>(Action<MilterHealthOptions>? configure = null) where TFilter : IMilterFilter<TFilter>
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Milter:Listen:0"] = "inet:0@127.0.0.1" });
        builder.Services.AddSingleton<IGreeting, Hello>();
        builder.Services.AddMilter<TFilter>();
        builder.Services.AddHealthChecks().AddMilter(configure);
        return builder.Build();
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host, string tag)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains(tag), TestContext.Current.CancellationToken);
        return Assert.Single(report.Entries).Value;
    }

    [Fact]
    public async Task Readiness_waits_for_listening_and_ends_when_the_host_begins_to_stop_while_liveness_holds_throughout()
    {
        // The Milter meter is the process's: other tests' handler calls and failures count here too, so the error rate
        // is switched off (a rate cannot exceed 1) and the counts are not asserted.
        using var host = Build(o => o.HandlerErrorRateThreshold = 1);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        Assert.Equal((HealthStatus.Unhealthy, "not listening yet"), ((await CheckAsync(host, MilterHealthTags.Ready)).Status, (await CheckAsync(host, MilterHealthTags.Ready)).Description));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host, MilterHealthTags.Live)).Status);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var address = host.Services.GetRequiredService<MilterHostedService<GreetingFilter>>().Addresses[0].ToString();
        var ready = await CheckAsync(host, MilterHealthTags.Ready);
        Assert.Equal(HealthStatus.Healthy, ready.Status);
        Assert.Matches($@"^listening on {Regex.Escape(address)}; [0-9]+ of [0-9]+ handler calls failed in the last 60 s", ready.Description);
        Assert.Equal(address, ready.Data["listening"]);
        Assert.Equal("GreetingFilter listening", (await CheckAsync(host, MilterHealthTags.Live)).Description);

        lifetime.StopApplication();
        var stopping = await CheckAsync(host, MilterHealthTags.Ready);
        Assert.Equal(HealthStatus.Unhealthy, stopping.Status);
        Assert.StartsWith("shutting down", stopping.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host, MilterHealthTags.Live)).Status);

        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal("GreetingFilter stopped", (await CheckAsync(host, MilterHealthTags.Live)).Description);
    }

    [Fact]
    public void Each_check_carries_its_tag_for_MapHealthChecks_filters()
    {
        using var host = Build();
        var registrations = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Equal(
            [(MilterHealthCheckExtensions.LiveCheckName, MilterHealthTags.Live), (MilterHealthCheckExtensions.ReadyCheckName, MilterHealthTags.Ready)],
            registrations.Select(r => (r.Name, Assert.Single(r.Tags))).Order());
    }

    [Fact]
    public async Task A_milter_that_could_not_listen_is_neither_live_nor_ready()
    {
        var lifecycle = new MilterLifecycle();
        lifecycle.Add("stamp", () => [], () => 0).Failed("inet:25@127.0.0.1: address in use");
        using var errors = new HandlerErrorRate(TimeSpan.FromMinutes(1), TimeProvider.System, listen: false);

        var live = await new MilterLivenessCheck(lifecycle).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        var ready = await new MilterReadinessCheck(lifecycle, errors, Options.Create(new MilterHealthOptions())).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal((HealthStatus.Unhealthy, "stamp could not listen: inet:25@127.0.0.1: address in use"), (live.Status, live.Description));
        Assert.Equal((HealthStatus.Unhealthy, "stamp could not listen: inet:25@127.0.0.1: address in use"), (ready.Status, ready.Description));
    }

    [Fact]
    public async Task Failing_handlers_of_a_hosted_milter_make_readiness_degraded_through_the_Milter_meter()
    {
        // The meter is the process's: other tests' calls count too, so any failure at all degrades here (threshold 0).
        using var host = Build<FailingFilter>(o => (o.HandlerErrorRateThreshold, o.MinimumHandlerCalls) = (0, 1));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var address = host.Services.GetRequiredService<MilterHostedService<FailingFilter>>().Addresses[0].ToString();
        var errors = host.Services.GetRequiredService<HandlerErrorRate>();
        var (callsBefore, errorsBefore) = errors.Totals();

        await using (var client = await MilterClient.ConnectAsync(address))
        {
            for (var i = 0; i < 3; i++)
            {
                var outcome = await client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]),
                    MailMessage.Parse("Subject: hi\r\n\r\nBody.\r\n"u8.ToArray()));
                Assert.True(outcome.Tempfailed, outcome.Verdict.ToString());
            }
        }

        var (calls, failed) = errors.Totals();
        Assert.True(failed - errorsBefore >= 3 && calls - callsBefore >= 3, $"{failed - errorsBefore} errors of {calls - callsBefore} calls counted");
        var ready = await CheckAsync(host, MilterHealthTags.Ready);
        Assert.Equal(HealthStatus.Degraded, ready.Status);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host, MilterHealthTags.Live)).Status);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(20, 2, "Healthy")]    // 10 %: at the threshold, not over it
    [InlineData(20, 3, "Degraded")]   // 15 %
    [InlineData(9, 9, "Healthy")]     // every call failed, but fewer calls than MinimumHandlerCalls
    [InlineData(0, 0, "Healthy")]
    public async Task Readiness_is_degraded_when_handlers_fail_more_often_than_the_threshold(int calls, int failed, string expected)
    {
        var (status, _) = await ReadinessAfterAsync(calls, failed, TimeSpan.Zero);
        Assert.Equal(expected, status.ToString());
    }

    [Fact]
    public async Task Errors_older_than_the_window_no_longer_count()
    {
        var (status, description) = await ReadinessAfterAsync(20, 20, TimeSpan.FromSeconds(61));
        Assert.Equal(HealthStatus.Healthy, status);
        Assert.EndsWith("0 of 0 handler calls failed in the last 60 s", description, StringComparison.Ordinal);

        (status, description) = await ReadinessAfterAsync(20, 20, TimeSpan.FromSeconds(30));
        Assert.Equal(HealthStatus.Degraded, status);
        Assert.EndsWith("20 of 20 handler calls failed in the last 60 s", description, StringComparison.Ordinal);
    }

    private static async Task<(HealthStatus Status, string? Description)> ReadinessAfterAsync(int calls, int failed, TimeSpan later)
    {
        var lifecycle = new MilterLifecycle();
        lifecycle.Add("stamp", () => [Milter.Server.MilterAddress.Parse("inet:8890@127.0.0.1")], () => 1).Listening();
        var clock = new ManualClock();
        using var errors = new HandlerErrorRate(TimeSpan.FromMinutes(1), clock, listen: false);
        for (var i = 0; i < calls; i++)
            errors.RecordCall();
        errors.RecordError(failed);
        clock.Advance(later);

        var result = await new MilterReadinessCheck(lifecycle, errors, Options.Create(new MilterHealthOptions())).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        return (result.Status, result.Description);
    }

    [Fact]
    public async Task Settings_out_of_range_stop_the_host_at_start()
    {
        using var host = Build(o => o.HandlerErrorRateThreshold = 5);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("HandlerErrorRateThreshold must be between 0 and 1", error.Message, StringComparison.Ordinal);
    }
}
