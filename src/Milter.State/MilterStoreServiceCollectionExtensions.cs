using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Milter.State;

/// <summary>Registers the state store on the .NET generic host.</summary>
public static class MilterStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="MilterStore"/> singleton for filters to take in their constructor: settings from the
    /// <c>Milter:Store</c> configuration section and <paramref name="configure"/>, validated at start-up. SQLite unless
    /// <c>Milter:Store:Redis</c> is set; closed (and Redis disconnected) when the host stops.
    /// </summary>
    /// <example><c>builder.Services.AddMilterStore(); builder.Services.AddMilter&lt;Greylist&gt;();</c></example>
    public static IServiceCollection AddMilterStore(this IServiceCollection services, Action<MilterStoreOptions>? configure = null,
        string configurationSection = MilterStoreOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MilterStoreOptions>().BindConfiguration(configurationSection);
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MilterStoreOptions>, MilterStoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => MilterStore.Create(provider.GetRequiredService<IOptions<MilterStoreOptions>>().Value,
            provider.GetService<ILoggerFactory>(), provider.GetRequiredService<TimeProvider>()));
        services.AddHostedService<MilterStoreOpener>();
        return services;
    }
}
