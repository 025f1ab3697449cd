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
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MilterHostingOptions>().BindConfiguration(configurationSection);
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MilterHostingOptions>, MilterHostingOptionsValidator>());
        services.AddSingleton<MilterHostedService<TFilter>>();
        services.AddHostedService(provider => provider.GetRequiredService<MilterHostedService<TFilter>>());
        services.AddSystemd();
        services.TryAddSingleton<MilterLifecycle>();
        if (!services.Any(d => d.ServiceType == typeof(SystemdWatchdog)))
        {
            // One watchdog for the host, however many milters it runs.
            services.AddSingleton(provider => new SystemdWatchdog(WatchdogSettings.FromEnvironment(), provider.GetRequiredService<MilterLifecycle>(),
                provider.GetRequiredService<ILogger<SystemdWatchdog>>()));
            services.AddHostedService(provider => provider.GetRequiredService<SystemdWatchdog>());
        }

        return services;
    }
}
