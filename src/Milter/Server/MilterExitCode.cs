namespace Milter.Server;

/// <summary>
/// The exit codes of a milter run by <see cref="MilterServer.RunAsync(IMilterHandlerFactory, MilterServerOptions, Microsoft.Extensions.Logging.ILoggerFactory?, CancellationToken)"/>
/// or by Milter.Hosting, from sysexits.h as Sendmail uses them, so service managers and scripts can tell why it ended.
/// </summary>
public static class MilterExitCode
{
    /// <summary>Stopped on request, every connection finished.</summary>
    public const int Stopped = 0;

    /// <summary>
    /// A listen address is not in milter syntax (<see cref="MilterAddressException"/>): nothing was listened on, and
    /// restarting will not help (EX_USAGE).
    /// </summary>
    public const int InvalidAddress = 64;

    /// <summary>
    /// Stopped on request, but connections still busy after <see cref="MilterServerOptions.ShutdownTimeout"/> were
    /// closed, and handlers that still ran were abandoned (EX_SOFTWARE).
    /// </summary>
    public const int ForcedStop = 70;

    /// <summary>
    /// An address could not be listened on: another instance holds it, something other than a socket is at the unix
    /// socket path, or no permission (EX_CANTCREAT).
    /// </summary>
    public const int CannotListen = 73;

    /// <summary>
    /// A service the milter needs refused its configuration at start (Milter.State: wrong credentials, an untrusted
    /// certificate, an unknown host, a store file that cannot be opened): restarting will not help (EX_CONFIG).
    /// </summary>
    public const int ConfigurationError = 78;
}
