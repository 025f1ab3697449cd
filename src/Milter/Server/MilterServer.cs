using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter.Server;

/// <summary>
/// Listens on one or more milter addresses and runs a <see cref="MilterSession"/> per connection, with no
/// thread per connection. Stops gracefully: stop accepting, let messages in flight finish, then close the rest.
/// </summary>
public sealed class MilterServer : IAsyncDisposable
{
    private readonly IMilterHandlerFactory _factory;
    private readonly MilterServerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly List<Listener> _listeners = [];
    private readonly ConcurrentDictionary<MilterSession, Task> _sessions = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _acceptLoops = [];
    private int _state;

    /// <summary>Creates a server; nothing listens until <see cref="StartAsync"/>.</summary>
    public MilterServer(IMilterHandlerFactory factory, MilterServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Listen.Count == 0)
            throw new ArgumentException("The server needs at least one listen address, e.g. inet:8890@127.0.0.1.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConnections);
        _factory = factory;
        _options = options;
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _log = _loggers.CreateLogger("Milter.Server");
        _slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
    }

    /// <summary>The addresses the server listens on, with the real ports when 0 was asked for.</summary>
    public IReadOnlyList<MilterAddress> Addresses => _listeners.Select(l => l.Address).ToList();

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _sessions.Count;

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
                var listener = Bind(MilterAddress.Parse(text));
                _listeners.Add(listener);
                ServerLog.Listening(_log, listener.Address);
            }
        }
        catch
        {
            CloseListeners();
            throw;
        }

        foreach (var listener in _listeners)
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener)));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops gracefully: no new connections, idle ones close at once, those in the middle of a message finish it
    /// within <see cref="MilterServerOptions.ShutdownTimeout"/>; the rest are then closed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
            return;
        ServerLog.Stopping(_log, _sessions.Count);
        await _stopAccepting.CancelAsync().ConfigureAwait(false);
        CloseListeners();
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);

        foreach (var session in _sessions.Keys)
            session.RequestStop();
        var all = Task.WhenAll(_sessions.Values);
        try
        {
            await all.WaitAsync(_options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            ServerLog.Aborting(_log, _sessions.Count, _options.ShutdownTimeout);
            await _abort.CancelAsync().ConfigureAwait(false);
            await all.ConfigureAwait(false);
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopAccepting.Dispose();
        _abort.Dispose();
        _slots.Dispose();
    }

    /// <summary>
    /// Runs a server until SIGTERM, SIGINT (Ctrl+C) or <paramref name="cancellationToken"/>, then stops it gracefully.
    /// Logs to standard error (Information and above) unless <paramref name="loggerFactory"/> is given; pass
    /// <see cref="NullLoggerFactory.Instance"/> for silence, or your own factory to filter or redirect.
    /// </summary>
    public static async Task RunAsync(IMilterHandlerFactory factory, MilterServerOptions options, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var console = loggerFactory is null ? new ConsoleLogging() : null;
        await using var server = new MilterServer(factory, options, loggerFactory ?? console);
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
    }

    /// <summary>
    /// Runs a generated filter on the given addresses until SIGTERM or SIGINT, logging to standard error:
    /// <c>await MilterServer.RunAsync&lt;StampFilter&gt;("inet:8890@127.0.0.1")</c>.
    /// </summary>
    public static Task RunAsync<TFilter>(params string[] addresses) where TFilter : IMilterFilter<TFilter>
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
    public static Task RunAsync<TFilter>(MilterServerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
        where TFilter : IMilterFilter<TFilter> =>
        RunAsync(MilterFilter.Factory<TFilter>(), options, loggerFactory, cancellationToken);

    private Listener Bind(MilterAddress address)
    {
        var unixPath = address.UnixPath;
        if (unixPath is not null)
            RemoveStaleSocket(unixPath);

        var socket = unixPath is null
            ? new Socket(address.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            if (unixPath is null)
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(address.EndPoint);
            socket.Listen(_options.Backlog);
            if (unixPath is not null && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(unixPath, _options.UnixSocketMode);
            return new Listener(socket, unixPath is null ? MilterAddress.FromEndPoint(socket.LocalEndPoint!) : address, unixPath);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A socket file left by a process that died is removed; one that a live process answers on is an error.</summary>
    private void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
            return;
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"Another process is already listening on {path}.");
            }
            catch (SocketException)
            {
                // Nobody answers: the file is stale.
            }
        }

        File.Delete(path);
        ServerLog.StaleSocketRemoved(_log, path);
    }

    private async Task AcceptLoopAsync(Listener listener)
    {
        var stopping = _stopAccepting.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                if (!_options.RefuseExcessConnections)
                    await _slots.WaitAsync(stopping).ConfigureAwait(false);
                try
                {
                    socket = await listener.Socket.AcceptAsync(stopping).ConfigureAwait(false);
                }
                catch
                {
                    if (!_options.RefuseExcessConnections)
                        _slots.Release();
                    throw;
                }
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // A client that gave up before we accepted it, or a transient resource shortage: keep serving.
                ServerLog.AcceptFailed(_log, e, listener.Address);
                continue;
            }

            if (_options.RefuseExcessConnections && !_slots.Wait(0))
            {
                ServerLog.Refused(_log, _options.MaxConnections);
                socket.Dispose();
                continue;
            }

            if (listener.UnixPath is null)
                socket.NoDelay = true; // Replies are batched already; Nagle would only add delay against delayed ACKs.
            var session = new MilterSession(_factory, _options, _loggers.CreateLogger("Milter.Session"));
            _sessions[session] = RunConnectionAsync(session, socket);
        }
    }

    private async Task RunConnectionAsync(MilterSession session, Socket socket)
    {
        await Task.Yield();
        try
        {
            await using var stream = socket.AddressFamily == AddressFamily.Unix ? new NetworkStream(socket, ownsSocket: true) : new QuickAckStream(socket);
            var pipe = new SocketPipe(
                PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true)),
                PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
            await session.RunAsync(pipe, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A session logs its own errors; this is a last line so one connection can never take the server down.
            ServerLog.ConnectionFailed(_log, e);
        }
        finally
        {
            _sessions.TryRemove(session, out _);
            _slots.Release();
        }
    }

    private void CloseListeners()
    {
        foreach (var listener in _listeners)
        {
            listener.Socket.Dispose();
            if (listener.UnixPath is not null)
                File.Delete(listener.UnixPath);
        }
    }

    private sealed record Listener(Socket Socket, MilterAddress Address, string? UnixPath);

    private sealed record SocketPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
