using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Milter.Hosting;

/// <summary>Adds the milter's health checks to <c>services.AddHealthChecks()</c>.</summary>
public static class MilterHealthCheckExtensions
{
    /// <summary>The liveness check's name.</summary>
    public const string LiveCheckName = "milter-live";

    /// <summary>The readiness check's name.</summary>
    public const string ReadyCheckName = "milter-ready";

    /// <summary>
    /// Adds two checks over the milters of this host (<c>AddMilter&lt;TFilter&gt;</c>): <c>milter-live</c>, tagged
    /// <see cref="MilterHealthTags.Live"/> (unhealthy only when a milter could not listen), and <c>milter-ready</c>,
    /// tagged <see cref="MilterHealthTags.Ready"/> (unhealthy until every milter listens and from the moment the host
    /// begins to stop; degraded when handler calls fail more often than <see cref="MilterHealthOptions.HandlerErrorRateThreshold"/>).
    /// </summary>
    /// <remarks>
    /// Opt-in rather than part of <c>AddMilter</c>: counting handler errors enables the runtime's handler instruments,
    /// which a milter without health checks does not pay for. The error count covers every milter of the process.
    /// </remarks>
    /// <example><c>builder.Services.AddHealthChecks().AddMilter(o => o.HandlerErrorRateThreshold = 0.05);</c></example>
    public static IHealthChecksBuilder AddMilter(this IHealthChecksBuilder builder, Action<MilterHealthOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<MilterHealthOptions>()
            .Validate(o => o.HandlerErrorRateThreshold is >= 0 and <= 1, "MilterHealthOptions.HandlerErrorRateThreshold must be between 0 and 1.")
            .Validate(o => o.ErrorRateWindow > TimeSpan.Zero, "MilterHealthOptions.ErrorRateWindow must be positive.")
            .ValidateOnStart();
        if (configure is not null)
            options.Configure(configure);

        builder.Services.TryAddSingleton<MilterLifecycle>();
        builder.Services.TryAddSingleton(provider => new HandlerErrorRate(
            provider.GetRequiredService<IOptions<MilterHealthOptions>>().Value.ErrorRateWindow, provider.GetService<TimeProvider>() ?? TimeProvider.System));
        return builder
            .Add(new HealthCheckRegistration(LiveCheckName, provider => new MilterLivenessCheck(provider.GetRequiredService<MilterLifecycle>()),
                failureStatus: null, tags: [MilterHealthTags.Live]))
            .Add(new HealthCheckRegistration(ReadyCheckName, provider => new MilterReadinessCheck(provider.GetRequiredService<MilterLifecycle>(),
                provider.GetRequiredService<HandlerErrorRate>(), provider.GetRequiredService<IOptions<MilterHealthOptions>>()),
                failureStatus: null, tags: [MilterHealthTags.Ready]));
    }
}
