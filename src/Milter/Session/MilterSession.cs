using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter;

/// <summary>
/// Drives one milter connection over any duplex pipe: negotiation, then any number of SMTP connections
/// (QUIT_NC) and messages, calling the handler and answering the MTA. The server runs one per socket;
/// tests and Milter.Testing run it over in-memory pipes.
/// </summary>
/// <remarks>
/// Replies to the frames of one read are written together and flushed once, so a message's end-of-message
/// changes and verdict leave in a single write. A protocol error ends this connection only.
/// The engine behind it is layered in src/Milter/Session (docs/architecture.md, "A connection's life").
/// </remarks>
public sealed class MilterSession
{
    private readonly SessionLoop _loop;

    /// <summary>Creates a session for one connection; <see cref="MilterSessionOptions.Limits"/> apply to its messages.</summary>
    /// <exception cref="ArgumentException">A limit in <paramref name="options"/> is not valid.</exception>
    public MilterSession(IMilterHandlerFactory factory, MilterSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        options ??= new MilterSessionOptions();
        logger ??= NullLogger.Instance;
        // The server and the test host hand over a factory that enforces the limits already; one made by hand gets them here.
        _loop = new SessionLoop(MessageLimitsExtensions.WithLimits(factory, options.Limits, logger), options, logger);
    }

    /// <summary>A number that identifies this connection in logs.</summary>
    public long ConnectionId => _loop.ConnectionId;

    /// <summary>Whether a message is in progress (between its first command and end of message or abort).</summary>
    public bool IsInMessage => _loop.IsInMessage;

    /// <summary>Whether the milter reads body chunks; when not, a transport may drop their payloads (<see cref="ISocketTransport"/>).</summary>
    internal bool ReadsBodyChunks => _loop.ReadsBodyChunks;

    /// <summary>
    /// Asks the session to close at the next point where no message is in progress: at once if it is idle,
    /// otherwise right after the current message ends.
    /// </summary>
    public void RequestStop() => _loop.RequestStop();

    /// <summary>Runs the session until the MTA quits or closes, a protocol error, a timeout, a stop request or cancellation.</summary>
    /// <param name="transport">The connection to the MTA.</param>
    /// <param name="cancellationToken">Aborts the session at once (handlers see it too).</param>
    public Task RunAsync(IDuplexPipe transport, CancellationToken cancellationToken = default) => _loop.RunAsync(transport, cancellationToken);
}
