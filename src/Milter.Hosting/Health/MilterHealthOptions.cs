namespace Milter.Hosting;

/// <summary>What the milter's health checks report as degraded (see <see cref="MilterHealthCheckExtensions.AddMilter"/>).</summary>
public sealed class MilterHealthOptions
{
    /// <summary>
    /// The share of handler calls that may fail within <see cref="ErrorRateWindow"/> before readiness reports
    /// <c>Degraded</c>: 0.1 (one call in ten) by default. A failed call is one that threw, timed out or returned an
    /// illegal verdict; the MTA got the default verdict instead.
    /// </summary>
    public double HandlerErrorRateThreshold { get; set; } = 0.1;

    /// <summary>How far back handler calls and errors count: one minute by default.</summary>
    public TimeSpan ErrorRateWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The fewest handler calls within the window that can make readiness degraded (default 10), so one failure in a quiet minute does not.</summary>
    public int MinimumHandlerCalls { get; set; } = 10;
}
