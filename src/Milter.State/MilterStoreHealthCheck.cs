using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Milter.State;

/// <summary>
/// Readiness: the store answers and takes writes within its timeout (<see cref="MilterStore.CheckAsync"/>). Unhealthy,
/// with the fault's kind, when it is down or refuses us; decisions are then answered as <see cref="MilterStore.WhenUnavailable"/> says.
/// </summary>
internal sealed class MilterStoreHealthCheck(MilterStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["store"] = store.Description, ["when_unavailable"] = store.WhenUnavailable.ToString() };
        try
        {
            await store.CheckAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{store.Description} answers", data);
        }
        catch (MilterStoreUnavailableException e)
        {
            data["fault"] = e.Fault.ToString();
            return HealthCheckResult.Unhealthy($"{e.Message} ({e.Fault}); decisions answer {store.WhenUnavailable}", data: data);
        }
    }
}
