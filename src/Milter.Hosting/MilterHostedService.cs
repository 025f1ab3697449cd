using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Server;

namespace Milter.Hosting;

/// <summary>Runs a <see cref="MilterServer"/> for <typeparamref name="TFilter"/> for the lifetime of the host.</summary>
/// <typeparam name="TFilter">The generated filter class.</typeparam>
public sealed class MilterHostedService<TFilter> : IHostedService, IAsyncDisposable where TFilter : IMilterFilter<TFilter>
{
    private readonly MilterServer _server;

    /// <summary>Creates the server from the validated options; filter constructor parameters come from <paramref name="services"/>.</summary>
    public MilterHostedService(IServiceProvider services, IOptions<MilterHostingOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _server = new MilterServer(MilterFilter.Factory<TFilter>(services), options.Value.ToServerOptions(), loggers);
    }

    /// <summary>The addresses the server listens on, with the real ports.</summary>
    public IReadOnlyList<MilterAddress> Addresses => _server.Addresses;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _server.StartAsync(cancellationToken);

    /// <summary>Stops gracefully: messages in flight finish within the shutdown timeout (and the host's).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
