using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Milter.Server;

namespace Milter.State;

/// <summary>
/// Opens and checks the store when the host starts. A store that refuses us (wrong credentials, an untrusted
/// certificate, an unknown host, a SQLite file that cannot be opened or written) stops the host with one line and exit
/// code <see cref="MilterExitCode.ConfigurationError"/> (78), unless <see cref="MilterStoreOptions.StartWhenRefused"/>; a store that is merely down is
/// logged and the host starts, answering as configured until it is back.
/// </summary>
internal sealed class MilterStoreOpener(IServiceProvider services, IOptions<MilterStoreOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var log = services.GetService<ILoggerFactory>()?.CreateLogger("Milter.State") ?? NullLogger.Instance;
        MilterStore store;
        try
        {
            store = services.GetRequiredService<MilterStore>();
        }
        catch (MilterStoreUnavailableException e)
        {
            // Without a store object there is nothing to start with: StartWhenRefused cannot apply.
            Refused(log, e);
            return;
        }

        try
        {
            await store.CheckAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MilterStoreUnavailableException e) when (e.IsConfigurationFault && !options.Value.StartWhenRefused)
        {
            Refused(log, e);
        }
        catch (MilterStoreUnavailableException e)
        {
            StateLog.UnavailableAtStart(log, store.Description, e.Fault, e.Reason, store.WhenUnavailable);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Refused(ILogger log, MilterStoreUnavailableException e)
    {
        StateLog.RefusedAtStart(log, e.Store, e.Fault, e.Reason);
        Environment.ExitCode = MilterExitCode.ConfigurationError;
        // Once every service has started: stopping during the start would cancel the other services' starts, which
        // ends in an unhandled exception instead of this one line.
        if (services.GetService<IHostApplicationLifetime>() is { } lifetime)
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
    }
}
