using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Server;

namespace Milter.Hosting;

/// <summary>Runs a <see cref="MilterServer"/> for <typeparamref name="TFilter"/> for the lifetime of the host.</summary>
/// <typeparam name="TFilter">The generated filter class.</typeparam>
/// <remarks>
/// An address that cannot be listened on (another instance, a file that is not a socket, a missing directory) is logged
/// in one line and stops the host with exit code <see cref="MilterExitCode.CannotListen"/>, an address that is not in
/// milter syntax with <see cref="MilterExitCode.InvalidAddress"/>; a stop that had to abandon busy connections
/// ends with <see cref="MilterExitCode.ForcedStop"/>. SIGHUP reloads the configuration (as does an edited
/// appsettings.json): the settings that can change at run time apply to new connections, and the log says which.
/// </remarks>
public sealed class MilterHostedService<TFilter> : IHostedService, IAsyncDisposable where TFilter : IMilterFilter<TFilter>
{
    private readonly HostedMilter _milter;

    /// <summary>Creates the server from the validated options; filter constructor parameters come from <paramref name="services"/>.</summary>
    public MilterHostedService(IServiceProvider services, IOptions<MilterHostingOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _milter = new HostedMilter(services, MilterHandlerFactory.For<TFilter>(services), TFilter.Description.Name ?? typeof(TFilter).Name, options.Value, loggers);
    }

    /// <summary>The addresses the server listens on, with the real ports.</summary>
    public IReadOnlyList<MilterAddress> Addresses => _milter.Addresses;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _milter.StartAsync(cancellationToken);

    /// <summary>Stops gracefully: messages in flight finish within the shutdown timeout (and the host's).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _milter.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _milter.DisposeAsync();
}
