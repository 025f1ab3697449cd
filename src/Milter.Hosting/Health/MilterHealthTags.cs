namespace Milter.Hosting;

/// <summary>
/// The tags of the milter's health checks, for filtering endpoints:
/// <c>app.MapHealthChecks("/health/live", new() { Predicate = c => c.Tags.Contains(MilterHealthTags.Live) })</c>.
/// </summary>
public static class MilterHealthTags
{
    /// <summary>Liveness: fails only when restarting the process is the cure (a milter could not listen).</summary>
    public const string Live = "live";

    /// <summary>Readiness: fails while the milter does not listen yet or is shutting down; degraded when handlers fail often.</summary>
    public const string Ready = "ready";
}
