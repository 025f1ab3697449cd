using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter.Server;

public sealed partial class MilterServer
{
    /// <summary>
    /// Runs a server until SIGTERM, SIGINT (Ctrl+C) or <paramref name="cancellationToken"/>, then stops it gracefully, and
    /// returns the process exit code (<see cref="MilterExitCode"/>), also set as <see cref="Environment.ExitCode"/>:
    /// 0 when every connection finished, <see cref="MilterExitCode.ForcedStop"/> when some had to be abandoned after
    /// <see cref="MilterServerOptions.ShutdownTimeout"/>, <see cref="MilterExitCode.CannotListen"/> when an address cannot
    /// be listened on, <see cref="MilterExitCode.InvalidAddress"/> when one is not in milter syntax (each logged in one
    /// line, no exception). SIGHUP is logged and ignored, as mail daemons do.
    /// Logs to standard error (Information and above) unless <paramref name="loggerFactory"/> is given; pass
    /// <see cref="NullLoggerFactory.Instance"/> for silence, or your own factory to filter or redirect.
    /// </summary>
    public static async Task<int> RunAsync(IMilterHandlerFactory factory, MilterServerOptions options, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        using var console = loggerFactory is null ? new ConsoleLogging() : null;
        var loggers = loggerFactory ?? console!;
        var log = loggers.CreateLogger("Milter.Server");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnStopSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        void OnHangup(PosixSignalContext context)
        {
            // logrotate's postrotate sends SIGHUP: a mail filter must survive it. Standard error needs no reopening.
            context.Cancel = true;
            ServerLog.HangupIgnored(log);
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup);
        await using var server = new MilterServer(factory, options, loggers);
        int exitCode;
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Asked to stop.
            }

            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            exitCode = server.StopWasForced ? MilterExitCode.ForcedStop : MilterExitCode.Stopped;
        }
        catch (MilterListenException e)
        {
            ServerLog.CannotListen(log, e.Message);
            exitCode = MilterExitCode.CannotListen;
        }
        catch (MilterAddressException e)
        {
            ServerLog.CannotListen(log, e.Message);
            exitCode = MilterExitCode.InvalidAddress;
        }

        if (exitCode != MilterExitCode.Stopped)
            Environment.ExitCode = exitCode;
        return exitCode;
    }

    /// <summary>
    /// Runs a generated filter on the given addresses until SIGTERM or SIGINT, logging to standard error:
    /// <c>await MilterServer.RunAsync&lt;StampFilter&gt;("inet:8890@127.0.0.1")</c>.
    /// </summary>
    public static Task<int> RunAsync<TFilter>(params string[] addresses) where TFilter : IMilterFilter<TFilter>
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var options = new MilterServerOptions();
        foreach (var address in addresses)
            options.Listen.Add(address);
        return RunAsync<TFilter>(options);
    }

    /// <summary>
    /// Runs a generated filter with these options (listen addresses, limits, <see cref="MilterSessionOptions.Mta"/>…)
    /// until SIGTERM, SIGINT or <paramref name="cancellationToken"/>. Logs to standard error unless
    /// <paramref name="loggerFactory"/> is given (<see cref="NullLoggerFactory.Instance"/> for silence).
    /// </summary>
    public static Task<int> RunAsync<TFilter>(MilterServerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
        where TFilter : IMilterFilter<TFilter> =>
        RunAsync(MilterHandlerFactory.For<TFilter>(), options, loggerFactory, cancellationToken);
}
