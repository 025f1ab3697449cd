using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Milter.Hosting;

/// <summary>Registers a milter on the .NET generic host.</summary>
public static class MilterServiceCollectionExtensions
{
    /// <summary>
    /// Runs <typeparamref name="TFilter"/> as a milter for the host's lifetime: settings from the <c>Milter</c>
    /// configuration section and <paramref name="configure"/>, validated at start-up; constructor parameters of the
    /// filter from the container; logs to the host's logging; systemd notification when run by systemd, and systemd's
    /// watchdog fed while the milter is alive when the unit sets <c>WatchdogSec=</c>.
    /// </summary>
    /// <remarks>Health checks: <c>services.AddHealthChecks().AddMilter()</c>; OpenTelemetry: <c>services.AddMilterTelemetry()</c>.</remarks>
    /// <example><c>builder.Services.AddMilter&lt;StampFilter&gt;(o => o.Listen.Add("unix:/run/stamp.sock"));</c></example>
    public static IServiceCollection AddMilter<TFilter>(this IServiceCollection services, Action<MilterHostingOptions>? configure = null,
        string configurationSection = MilterHostingOptions.SectionName)
        where TFilter : IMilterFilter<TFilter>
    {
        AddHostingServices(services, configure, configurationSection);
        services.AddSingleton<MilterHostedService<TFilter>>();
        services.AddHostedService(provider => provider.GetRequiredService<MilterHostedService<TFilter>>());
        return services;
    }

    /// <summary>
    /// Runs a pipeline (<see cref="MilterPipeline"/>) as one milter for the host's lifetime, as <see cref="AddMilter{TFilter}"/>
    /// runs one filter: server settings from the <c>Milter</c> section, the parts' settings (dry run, dry-run header,
    /// conditions) from <c>Milter:Pipeline:Parts:&lt;name&gt;</c>, applied again at each reload (SIGHUP).
    /// </summary>
    /// <example><c>builder.Services.AddMilterPipeline(sp =&gt; MilterPipeline.Create("inbound").Add&lt;Policy&gt;(sp).Build());</c></example>
    public static IServiceCollection AddMilterPipeline(this IServiceCollection services, Func<IServiceProvider, MilterComposition> build,
        Action<MilterHostingOptions>? configure = null, string configurationSection = MilterHostingOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(build);
        AddHostingServices(services, configure, configurationSection);
        services.AddOptions<MilterPipelineHostingOptions>().BindConfiguration($"{configurationSection}:{MilterPipelineHostingOptions.SectionName}");
        services.AddSingleton(build);
        services.AddSingleton<MilterPipelineHostedService>();
        services.AddHostedService(provider => provider.GetRequiredService<MilterPipelineHostedService>());
        return services;
    }

    private static void AddHostingServices(IServiceCollection services, Action<MilterHostingOptions>? configure, string configurationSection)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MilterHostingOptions>().BindConfiguration(configurationSection);
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MilterHostingOptions>, MilterHostingOptionsValidator>());
        services.AddSystemd();
        services.TryAddSingleton<MilterLifecycle>();
        if (!services.Any(d => d.ServiceType == typeof(SystemdWatchdog)))
        {
            // One watchdog for the host, however many milters it runs.
            services.AddSingleton(provider => new SystemdWatchdog(WatchdogSettings.FromEnvironment(), provider.GetRequiredService<MilterLifecycle>(),
                provider.GetRequiredService<ILogger<SystemdWatchdog>>()));
            services.AddHostedService(provider => provider.GetRequiredService<SystemdWatchdog>());
        }
    }
}
