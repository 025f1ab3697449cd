using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace Milter.Hosting;

/// <summary>OpenTelemetry for a milter in one call.</summary>
public static class MilterTelemetryExtensions
{
    /// <summary>
    /// Starts OpenTelemetry with the host (<c>OpenTelemetry.Extensions.Hosting</c>) and subscribes it to the runtime's
    /// activity source and meter, both named <c>Milter</c>: one trace per message, the connection, message, verdict,
    /// handler and I/O instruments. Chain the exporters on the result.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddMilterTelemetry()
    ///     .WithTracing(t => t.AddOtlpExporter())
    ///     .WithMetrics(m => m.AddPrometheusExporter());
    /// </code>
    /// </example>
    public static IOpenTelemetryBuilder AddMilterTelemetry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(MilterTelemetry.ActivitySourceName))
            .WithMetrics(metrics => metrics.AddMeter(MilterTelemetry.MeterName));
    }
}
