using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.IntegrationTests.Support;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>
/// The store is checked when the host starts: one that refuses us stops it with one line and exit code 78 (EX_CONFIG)
/// unless told to start anyway; one that is merely down does not. The readiness check reports either.
/// </summary>
[Collection(Alone.Name)]
public sealed class StartupAndReadinessTests(Stores stores)
{
    private const string Password = "pw-start-7d2e";

    [Fact]
    public async Task A_wrong_password_stops_the_start_with_one_line_and_exit_code_78()
    {
        await using var redis = await RedisFaultTests.StartRedisAsync(_ => ["--requirepass", Password]);
        var (exitCode, stopping, lines) = await StartAsync(("Milter:Store:Redis", redis.Configuration), ("Milter:Store:RedisPassword", "not-" + Password));

        Assert.Equal(78, exitCode);
        Assert.True(stopping);
        var critical = Assert.Single(lines, l => l.Level == LogLevel.Critical);
        Assert.Matches($@"^State store Redis {System.Text.RegularExpressions.Regex.Escape(redis.Configuration)} refuses us at start \(AuthenticationFailed: authentication failed: [^)]*\); stopping with exit code 78 \(set Milter:Store:StartWhenRefused to start anyway\)$", critical.Text);
        Assert.DoesNotContain(lines, l => l.Text.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_host_stops_the_start_too()
    {
        var (exitCode, stopping, lines) = await StartAsync(("Milter:Store:Redis", "redis.invalid:6379"));

        Assert.Equal(78, exitCode);
        Assert.True(stopping);
        Assert.Equal("State store Redis redis.invalid:6379 refuses us at start (UnknownHost: the host name does not resolve); stopping with exit code 78 (set Milter:Store:StartWhenRefused to start anyway)",
            Assert.Single(lines, l => l.Level == LogLevel.Critical).Text);
    }

    [Fact]
    public async Task A_SQLite_file_that_cannot_be_opened_stops_the_start()
    {
        var file = stores.NewSqlitePath();
        await File.WriteAllTextAsync(file, "not a directory");
        var (exitCode, stopping, lines) = await StartAsync(("Milter:Store:SqlitePath", Path.Combine(file, "state.db")));

        Assert.Equal(78, exitCode);
        Assert.True(stopping);
        Assert.StartsWith($"State store SQLite {Path.Combine(file, "state.db")} refuses us at start (CannotOpen: cannot open: ", Assert.Single(lines, l => l.Level == LogLevel.Critical).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Told_to_start_anyway_it_starts_and_says_so()
    {
        await using var redis = await RedisFaultTests.StartRedisAsync(_ => ["--requirepass", Password]);
        var (exitCode, stopping, lines) = await StartAsync(("Milter:Store:Redis", redis.Configuration), ("Milter:Store:StartWhenRefused", "true"));

        Assert.Equal(0, exitCode);
        Assert.False(stopping);
        Assert.StartsWith($"State store Redis {redis.Configuration} unavailable at start (AuthenticationFailed: authentication failed: ",
            Assert.Single(lines, l => l.Level == LogLevel.Warning).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Redis_that_is_merely_down_does_not_stop_the_start()
    {
        var (exitCode, stopping, lines) = await StartAsync(("Milter:Store:Redis", $"127.0.0.1:{FreePorts.One()}"));

        Assert.Equal(0, exitCode);
        Assert.False(stopping);
        Assert.Matches(@"^State store Redis 127\.0\.0\.1:\d+ unavailable at start \(ConnectionFailed: cannot connect: refused or unreachable\); starting anyway, answering Tempfail until it answers$",
            Assert.Single(lines, l => l.Level == LogLevel.Warning).Text);
    }

    [Fact]
    public async Task Readiness_reports_a_store_that_answers_is_down_or_refuses_us()
    {
        await using var redis = await RedisFaultTests.StartRedisAsync(_ => ["--requirepass", Password]);

        var healthy = await ReadinessAsync(("Milter:Store:Redis", redis.Configuration), ("Milter:Store:RedisPassword", Password));
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal($"Redis {redis.Configuration} answers", healthy.Description);

        var refused = await ReadinessAsync(("Milter:Store:Redis", redis.Configuration), ("Milter:Store:RedisPassword", "wrong"), ("Milter:Store:StartWhenRefused", "true"));
        Assert.Equal(HealthStatus.Unhealthy, refused.Status);
        Assert.Equal("AuthenticationFailed", refused.Data["fault"]);
        Assert.StartsWith($"Redis {redis.Configuration}: authentication failed: ", refused.Description, StringComparison.Ordinal);

        var down = await ReadinessAsync(("Milter:Store:Redis", $"127.0.0.1:{FreePorts.One()}"));
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Equal("ConnectionFailed", down.Data["fault"]);
        Assert.EndsWith("(ConnectionFailed); decisions answer Tempfail", down.Description, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, bool Stopping, List<(LogLevel Level, string Text)> Lines)> StartAsync(params (string Key, string Value)[] settings)
    {
        using var loggers = new CapturingLoggers();
        using var host = Build(loggers, settings);
        Environment.ExitCode = 0;
        try
        {
            await host.StartAsync();
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            // The stop is asked for once the host has started.
            await Task.Delay(200);
            var stopping = lifetime.ApplicationStopping.IsCancellationRequested;
            await host.StopAsync();
            Assert.Empty(loggers.Exceptions);
            return (Environment.ExitCode, stopping, loggers.Lines);
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }

    private static async Task<HealthReportEntry> ReadinessAsync(params (string Key, string Value)[] settings)
    {
        using var loggers = new CapturingLoggers();
        using var host = Build(loggers, settings);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains("ready"));
        return report.Entries[MilterStoreHealthCheckExtensions.CheckName];
    }

    private static IHost Build(CapturingLoggers loggers, (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.Services.AddSingleton<ILoggerFactory>(loggers);
        builder.Services.AddMilterStore();
        builder.Services.AddHealthChecks().AddMilterStore();
        return builder.Build();
    }
}
