using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>AddMilterStore: the store is SQLite unless Milter:Store:Redis is set, opened at start, checked at start.</summary>
public sealed class RegistrationTests(Stores stores)
{
    [Fact]
    public async Task Without_settings_the_store_is_SQLite_and_the_file_exists_once_the_host_started()
    {
        var path = stores.NewSqlitePath();
        using var host = Build(("Milter:Store:SqlitePath", path));
        await host.StartAsync();

        Assert.True(File.Exists(path));
        var store = host.Services.GetRequiredService<MilterStore>();
        Assert.Equal($"SQLite {path}", store.Description);
        Assert.Equal(StoreUnavailableAction.Tempfail, store.WhenUnavailable);
        await host.StopAsync();
    }

    [Fact]
    public async Task One_setting_makes_it_Redis()
    {
        using var host = Build(("Milter:Store:Redis", "127.0.0.1:1"), ("Milter:Store:WhenUnavailable", "Continue"));
        await host.StartAsync();

        var store = host.Services.GetRequiredService<MilterStore>();
        Assert.Equal("Redis 127.0.0.1:1", store.Description);
        Assert.Equal(StoreUnavailableAction.Continue, store.WhenUnavailable);
        await host.StopAsync();
    }

    [Fact]
    public async Task Settings_that_cannot_work_stop_the_start_with_every_problem_named()
    {
        using var host = Build(("Milter:Store:Timeout", "00:00:00"), ("Milter:Store:SqlitePath", " "));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal([
            "Milter:Store:Timeout must be more than 0 and at most 20 s (the MTA waits 30 s at most); it is 00:00:00.",
            "Milter:Store:SqlitePath must name a file when Milter:Store:Redis is not set.",
        ], error.Failures);
    }

    [Fact]
    public async Task Credential_settings_that_cannot_work_stop_the_start_too()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}", "redis-password");
        using var host = Build(("Milter:Store:Redis", "redis1:6379"), ("Milter:Store:RedisPasswordFile", missing), ("Milter:Store:RedisPassword", "also"),
            ("Milter:Store:RedisClientKeyFile", "/etc/ssl/private/key.pem"));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal("Milter:Store:RedisPasswordFile and Milter:Store:RedisPassword are both set; set one.", error.Failures.ElementAt(0));
        Assert.Equal("Milter:Store:RedisClientKeyFile is set without Milter:Store:RedisClientCertificateFile.", error.Failures.ElementAt(1));
        Assert.StartsWith($"Milter:Store:RedisPasswordFile: cannot read {missing}: ", error.Failures.ElementAt(2), StringComparison.Ordinal);
        Assert.StartsWith("Milter:Store:RedisClientKeyFile: cannot read /etc/ssl/private/key.pem: ", error.Failures.ElementAt(3), StringComparison.Ordinal);
        Assert.Equal(4, error.Failures.Count());
    }

    private static IHost Build(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.Services.AddMilterStore();
        return builder.Build();
    }
}
