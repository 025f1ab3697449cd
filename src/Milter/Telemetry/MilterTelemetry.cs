using System.Diagnostics;

namespace Milter;

/// <summary>
/// Where the runtime's telemetry comes from: traces on the <see cref="ActivitySource"/> named <c>Milter</c> (one
/// activity per message) and metrics on the meter named <c>Milter</c>. With OpenTelemetry:
/// <c>AddSource(MilterTelemetry.ActivitySourceName)</c> and <c>AddMeter(MilterTelemetry.MeterName)</c>.
/// </summary>
/// <remarks>Nothing is recorded, and nothing allocated for it, while nobody listens.</remarks>
public static class MilterTelemetry
{
    /// <summary>The activity source's name.</summary>
    public const string ActivitySourceName = "Milter";

    /// <summary>The meter's name.</summary>
    public const string MeterName = MilterMetrics.MeterName;

    /// <summary>The name of a message's activity.</summary>
    public const string MessageActivityName = "milter message";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(MilterTelemetry).Assembly.GetName().Version?.ToString());
}
