using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AuthMilter;

/// <summary>With RequireSafeKeys false, says at start which keys others can read or replace, one warning each.</summary>
public sealed partial class UnsafeKeyWarnings(AuthPolicy policy, ILogger<UnsafeKeyWarnings> log) : IHostedService
{
    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in policy.UnsafeKeys)
            Unsafe(log, problem);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(2, LogLevel.Warning, "Unsafe private key: {Problem}")]
    private static partial void Unsafe(ILogger logger, string problem);
}
