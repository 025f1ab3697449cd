using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Milter.State;

/// <summary>Adds the store's readiness check to <c>services.AddHealthChecks()</c>.</summary>
public static class MilterStoreHealthCheckExtensions
{
    /// <summary>The check's name.</summary>
    public const string CheckName = "milter-store";

    /// <summary>
    /// Adds <c>milter-store</c>, tagged <c>ready</c> like Milter.Hosting's readiness check: unhealthy, with the kind of
    /// fault, while the store (<see cref="MilterStore"/>, registered by <c>AddMilterStore</c>) is down or refuses us.
    /// </summary>
    /// <example><c>builder.Services.AddHealthChecks().AddMilter().AddMilterStore();</c></example>
    public static IHealthChecksBuilder AddMilterStore(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(CheckName, provider => new MilterStoreHealthCheck(provider.GetRequiredService<MilterStore>()),
            failureStatus: null, tags: ["ready"]));
    }
}
