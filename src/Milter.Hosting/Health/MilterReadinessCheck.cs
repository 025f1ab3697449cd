using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Milter.Hosting;

/// <summary>
/// Ready to take mail: every milter of the host listens and the host is not shutting down; degraded when more than
/// <see cref="MilterHealthOptions.HandlerErrorRateThreshold"/> of the recent handler calls failed.
/// </summary>
internal sealed class MilterReadinessCheck(MilterLifecycle lifecycle, HandlerErrorRate errors, IOptions<MilterHealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = lifecycle.Servers;
        var (calls, failed) = errors.Totals();
        var data = new Dictionary<string, object>
        {
            ["listening"] = string.Join(' ', servers.Where(s => s.State == MilterLifecycle.ServerState.Listening).SelectMany(s => s.Addresses)),
            ["connections"] = servers.Sum(s => s.Connections),
            ["handler_calls"] = calls,
            ["handler_errors"] = failed,
        };

        return Task.FromResult(Judge(servers, calls, failed, data));
    }

    private HealthCheckResult Judge(IReadOnlyList<MilterLifecycle.HostedMilter> servers, long calls, long failed, Dictionary<string, object> data)
    {
        if (servers.FirstOrDefault(s => s.State == MilterLifecycle.ServerState.Failed) is { } broken)
            return HealthCheckResult.Unhealthy($"{broken.Filter} could not listen: {broken.Failure}", data: data);
        if (lifecycle.Stopping)
            return HealthCheckResult.Unhealthy("shutting down: messages in flight finish, new connections should go elsewhere", data: data);
        if (servers.Count == 0 || servers.Any(s => s.State != MilterLifecycle.ServerState.Listening))
            return HealthCheckResult.Unhealthy("not listening yet", data: data);

        var settings = options.Value;
        var rate = calls == 0 ? 0 : (double)failed / Math.Max(calls, failed);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"listening on {data["listening"]}; {failed} of {calls} handler calls failed in the last {errors.Window.TotalSeconds:0} s");
        return calls >= settings.MinimumHandlerCalls && rate > settings.HandlerErrorRateThreshold
            ? HealthCheckResult.Degraded(summary, data: data)
            : HealthCheckResult.Healthy(summary, data);
    }
}
