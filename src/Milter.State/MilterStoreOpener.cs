using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Milter.State;

/// <summary>Opens the store when the host starts, so an unusable SQLite path stops the start instead of failing the first message.</summary>
internal sealed class MilterStoreOpener(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<MilterStore>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
