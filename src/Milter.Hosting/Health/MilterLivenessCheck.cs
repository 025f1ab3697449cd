using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Milter.Hosting;

/// <summary>
/// Alive unless a milter of the host could not listen: starting, listening and draining at shutdown are all alive, so an
/// orchestrator restarts the process only when a restart can help. That the check answers at all shows the thread pool runs.
/// </summary>
internal sealed class MilterLivenessCheck(MilterLifecycle lifecycle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = lifecycle.Servers;
        var states = servers.Select(s => $"{s.Filter} {s.State.ToString().ToLowerInvariant()}").ToList();
        var data = new Dictionary<string, object> { ["milters"] = states };
        return Task.FromResult(servers.FirstOrDefault(s => s.State == MilterLifecycle.ServerState.Failed) is { } broken
            ? HealthCheckResult.Unhealthy($"{broken.Filter} could not listen: {broken.Failure}", data: data)
            : HealthCheckResult.Healthy(string.Join(", ", states), data));
    }
}
