using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Milter.Server;

namespace Milter.Hosting;

/// <summary>
/// What every hosted milter does, whatever it serves: the server from the validated options, SIGHUP and configuration
/// reloads, the lifecycle state for health checks and the watchdog, and the exit codes of a failed start or forced stop.
/// </summary>
internal sealed class HostedMilter : IAsyncDisposable
{
    private readonly MilterServer _server;
    private readonly IServiceProvider _services;
    private readonly ILogger _log;
    private readonly MilterLifecycle _lifecycle;
    private readonly MilterLifecycle.HostedMilter _state;
    private PosixSignalRegistration? _hangup;
    private IDisposable? _reloads;
    private volatile bool _reloadingAll;
    private CancellationTokenRegistration _stopping;
    private readonly Action? _reloaded;
    private string? _startFailure;

    /// <summary>A server for <paramref name="factory"/>; <paramref name="reloaded"/> runs after each reload of the server's settings.</summary>
    public HostedMilter(IServiceProvider services, IMilterHandlerFactory factory, string name, MilterHostingOptions options, ILoggerFactory loggers,
        Action? reloaded = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _services = services;
        _reloaded = reloaded;
        _log = loggers.CreateLogger("Milter.Hosting");
        _server = new MilterServer(factory, options.ToServerOptions(), loggers);
        // The health checks and the watchdog read this; a service built without AddMilter reports to a state nobody reads.
        _lifecycle = services.GetService<MilterLifecycle>() ?? new MilterLifecycle();
        _state = _lifecycle.Add(name, () => _server.Addresses, () => _server.ConnectionCount);
    }

    /// <summary>The addresses the server listens on, with the real ports.</summary>
    public IReadOnlyList<MilterAddress> Addresses => _server.Addresses;

    /// <summary>Listens; SIGHUP and configuration changes reload from now on.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before listening: a SIGHUP that arrives once the socket accepts must already find its handler.
        if (_services.GetService<IConfiguration>() is { } configuration)
        {
            _reloads = ChangeToken.OnChange(configuration.GetReloadToken, () =>
            {
                if (!_reloadingAll)
                    Reload();
            });
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // logrotate's postrotate sends SIGHUP: reload, as mail daemons do, instead of dying.
                context.Cancel = true;
                HostingLog.Hangup(_log);
                if (configuration is IConfigurationRoot root)
                {
                    // Reloading the root raises its change once per provider: the settings are applied once, after all.
                    _reloadingAll = true;
                    try
                    {
                        root.Reload();
                    }
                    finally
                    {
                        _reloadingAll = false;
                    }
                }

                Reload();
            });
        }

        // The host's stop begins before it reaches this service's StopAsync: readiness fails from its first moment.
        var lifetime = _services.GetService<IHostApplicationLifetime>();
        if (lifetime is not null)
            _stopping = lifetime.ApplicationStopping.Register(static state => ((MilterLifecycle)state!).BeginStopping(), _lifecycle);
        // With health checks, handler errors count from the first connection, not from the first probe.
        _services.GetService<HandlerErrorRate>();

        try
        {
            await _server.StartAsync(cancellationToken).ConfigureAwait(false);
            _state.Listening();
        }
        catch (Exception e) when (e is MilterListenException or MilterAddressException)
        {
            // One line and a defined exit code, not an unhandled exception with a stack trace.
            _state.Failed(e.Message);
            Environment.ExitCode = e is MilterAddressException ? MilterExitCode.InvalidAddress : MilterExitCode.CannotListen;
            if (lifetime is null)
            {
                HostingLog.CannotListen(_log, e.Message);
                return;
            }

            // Once every service has started: stopping now would cancel the start of the host's other services (a web
            // server for health checks, say), which ends in an unhandled exception instead of this one line. The host
            // then announces "Application started", so the reason is logged at the stop, to be the last line.
            _startFailure = e.Message;
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
        }
    }

    /// <summary>Stops gracefully: messages in flight finish within the shutdown timeout (and the host's).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _lifecycle.BeginStopping();
        _hangup?.Dispose();
        _reloads?.Dispose();
        await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        if (Interlocked.Exchange(ref _startFailure, null) is { } reason)
            HostingLog.CannotListen(_log, reason);
        _state.Stopped();
        if (_server.StopWasForced)
            Environment.ExitCode = MilterExitCode.ForcedStop;
    }

    /// <summary>Lets go of the signal handler and the server.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        _hangup?.Dispose();
        _reloads?.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
    }

    private void Reload()
    {
        try
        {
            // The factory binds the section again, applies AddMilter's configure delegate, and validates.
            var options = _services.GetRequiredService<IOptionsFactory<MilterHostingOptions>>().Create(Options.DefaultName);
            _server.Reload(options.ToServerOptions());
            _reloaded?.Invoke();
        }
        catch (OptionsValidationException e)
        {
            HostingLog.ReloadRefused(_log, string.Join(" ", e.Failures));
        }
    }
}
