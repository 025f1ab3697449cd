using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter.Server;

/// <summary>
/// Listens on one or more milter addresses and runs a <see cref="MilterSession"/> per connection, with no
/// thread per connection. Stops gracefully: stop accepting, let messages in flight finish, then close the rest.
/// </summary>
public sealed partial class MilterServer : IAsyncDisposable
{
    private readonly IMilterHandlerFactory _factory;
    private readonly MilterServerOptions _options;
    private volatile MilterServerOptions _reloadable;

    /// <summary>The factory new connections use: the user's, behind <see cref="MilterSessionOptions.Limits"/> of <see cref="_reloadable"/>.</summary>
    private volatile IMilterHandlerFactory _served;
    private readonly ILoggerFactory _loggers;
    // One logger for every session: creating it per connection takes the factory's lock each time.
    private readonly ILogger _sessionLog;
    private readonly ILogger _log;
    private readonly List<Listener> _listeners = [];
    private readonly ConcurrentDictionary<SocketConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _slots;
    private readonly BufferBudget _budget;
    private readonly LogThrottle _refusals = new(TimeSpan.FromSeconds(10));
    private readonly LogThrottle _acceptFailures = new(TimeSpan.FromSeconds(10));
    private readonly LogThrottle _budgetExhausted = new(TimeSpan.FromSeconds(10));
    private readonly MemoryTrim _trim = new();
    private readonly List<Task> _acceptLoops = [];
    private Readiness? _loops; // null: connections are served through .NET's socket engine
    private readonly Action<SocketConnection, Exception?> _connectionEnded;
    private int _state;

    /// <summary>Creates a server; nothing listens until <see cref="StartAsync"/>.</summary>
    public MilterServer(IMilterHandlerFactory factory, MilterServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Listen.Count == 0)
            throw new ArgumentException("The server needs at least one listen address, e.g. inet:8890@127.0.0.1.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConnections);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBufferedBytes, (long)options.MaxFrameLength + Protocol.MilterFrameReader.HeaderLength);
        _factory = factory;
        _options = options;
        _reloadable = options;
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _served = factory.WithLimits(options.Limits, _loggers);
        _log = _loggers.CreateLogger("Milter.Server");
        _sessionLog = _loggers.CreateLogger("Milter.Session");
        _slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
        _budget = new BufferBudget(options.MaxBufferedBytes);
        _connectionEnded = OnConnectionEnded;
    }

    /// <summary>The addresses the server listens on, with the real ports when 0 was asked for.</summary>
    public IReadOnlyList<MilterAddress> Addresses => _listeners.Select(l => l.Address).ToList();

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Whether the stop had to close connections still busy after <see cref="MilterServerOptions.ShutdownTimeout"/>
    /// (then <see cref="MilterExitCode.ForcedStop"/> is the process's exit code).
    /// </summary>
    public bool StopWasForced { get; private set; }

    /// <summary>Bytes held now for frames received but not yet handled, over all connections (at most <see cref="MilterServerOptions.MaxBufferedBytes"/>).</summary>
    public long BufferedBytes => _budget.Used;

    /// <summary>Binds every address and starts accepting. A failure to bind one address stops the others and throws.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("The server was already started.");
        try
        {
            foreach (var text in _options.Listen)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var listener = Listener.Bind(MilterAddress.Parse(text), _options, _log);
                _listeners.Add(listener);
                ServerLog.Listening(_log, listener.Address);
            }
        }
        catch
        {
            // Nothing was served: the server ends here, and stopping it later has nothing to do.
            CloseListeners();
            _listeners.Clear();
            Volatile.Write(ref _state, 2);
            throw;
        }

        if (Posix.RaiseOpenFileLimit() is { } files && files < (ulong)_options.MaxConnections + 64)
            ServerLog.FewFileDescriptors(_log, _options.MaxConnections, files);
        _loops = _options.EpollLoops ? Readiness.Shared : null;
        foreach (var listener in _listeners)
        {
            var accepting = new AcceptLoop(listener, _options, _slots, _log, (_refusals, _acceptFailures), Admit);
            _acceptLoops.Add(accepting.Start(blocking: _loops is not null, _stopAccepting.Token));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops gracefully: no new connections, idle ones close at once, those in the middle of a message finish it
    /// within <see cref="MilterServerOptions.ShutdownTimeout"/> (or until <paramref name="cancellationToken"/>); the rest
    /// are then closed, their handlers' tokens cancelled, and handlers that still do not return are abandoned.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
            return;
        ServerLog.Stopping(_log, _connections.Count);
        await _stopAccepting.CancelAsync().ConfigureAwait(false);
        CloseListeners();
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);

        foreach (var connection in _connections.Keys)
            connection.Session.RequestStop();
        var all = Task.WhenAll(_connections.Keys.Select(c => c.Run));
        try
        {
            await all.WaitAsync(_reloadable.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            ServerLog.Aborting(_log, _connections.Count, _reloadable.ShutdownTimeout);
        }

        StopWasForced = true;
        await _abort.CancelAsync().ConfigureAwait(false);
        foreach (var connection in _connections.Keys)
            connection.Abort();
        try
        {
            // Sessions end at once when aborted; only code that blocks a thread and ignores its token is still running.
            await all.WaitAsync(AbandonAfter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            ServerLog.Abandoned(_log, _connections.Count);
        }
    }

    /// <summary>How long a forced stop waits for aborted sessions before it abandons them.</summary>
    private static readonly TimeSpan AbandonAfter = TimeSpan.FromSeconds(2);

    /// <summary>Stops the server (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopAccepting.Dispose();
        _abort.Dispose();
        _slots.Dispose();
    }

    /// <summary>Serves an accepted connection, with the settings in force now.</summary>
    private void Admit(Socket socket)
    {
        var (settings, factory) = (_reloadable, _served);
        var session = new MilterSession(factory, settings, _sessionLog);
        var connection = new SocketConnection(socket, session, _budget, settings.MaxFrameLength, _loops);
        _connections.TryAdd(connection, 0);
        connection.Start(_abort.Token, _connectionEnded);
    }

    /// <summary>What the server does when a connection has ended and its socket is closed.</summary>
    private void OnConnectionEnded(SocketConnection connection, Exception? failure)
    {
        // A session logs its own errors; this is a last line so one connection can never take the server down.
        if (failure is not null)
            ServerLog.ConnectionFailed(_log, failure);
        if (connection.ReceiveError?.InnerException is BudgetExhaustedException && _budgetExhausted.ShouldLog(out var heldBack))
            ServerLog.BudgetExhausted(_log, _options.MaxBufferedBytes / (1024 * 1024), heldBack);
        _connections.TryRemove(connection, out _);
        _slots.Release();
        _trim.Observe(_connections.Count, _budget.Used);
    }

    private void CloseListeners()
    {
        foreach (var listener in _listeners)
            listener.Close();
    }
}
