using Milter.Server;

namespace Milter.Hosting;

/// <summary>
/// Where the host's milters are in their life: starting, listening, could not listen, stopping. The hosted services
/// report to it; the health checks and the systemd watchdog read it. One per host (a singleton), for every
/// <c>AddMilter</c> of that host.
/// </summary>
internal sealed class MilterLifecycle
{
    private readonly Lock _lock = new();
    private readonly List<HostedMilter> _servers = [];
    private volatile bool _stopping;

    /// <summary>True once the host began to stop (or any milter's stop began): new mail should go elsewhere.</summary>
    public bool Stopping => _stopping;

    /// <summary>Registers a milter of this host before it starts; it counts as not listening until <see cref="HostedMilter.Listening"/>.</summary>
    public HostedMilter Add(string filter, Func<IReadOnlyList<MilterAddress>> addresses, Func<int> connections)
    {
        var server = new HostedMilter(filter, addresses, connections);
        lock (_lock)
            _servers.Add(server);
        return server;
    }

    /// <summary>Marks the host as stopping (idempotent).</summary>
    public void BeginStopping() => _stopping = true;

    /// <summary>The milters registered so far, in the order they were added.</summary>
    public IReadOnlyList<HostedMilter> Servers
    {
        get
        {
            lock (_lock)
                return [.. _servers];
        }
    }

    /// <summary>True when there is at least one milter, every one listens, and the host is not stopping.</summary>
    public bool Serving
    {
        get
        {
            var servers = Servers;
            return !_stopping && servers.Count > 0 && servers.All(s => s.State == ServerState.Listening);
        }
    }

    /// <summary>One milter of the host.</summary>
    internal sealed class HostedMilter(string filter, Func<IReadOnlyList<MilterAddress>> addresses, Func<int> connections)
    {
        private volatile ServerState _state;
        private volatile string? _failure;

        /// <summary>The filter's name (its <c>[MailFilter]</c> name, or its class name).</summary>
        public string Filter { get; } = filter;

        public ServerState State => _state;

        /// <summary>Why it could not listen, when <see cref="State"/> is <see cref="ServerState.Failed"/>.</summary>
        public string? Failure => _failure;

        public IReadOnlyList<MilterAddress> Addresses => addresses();

        public int Connections => connections();

        public void Listening() => _state = ServerState.Listening;

        public void Failed(string reason)
        {
            _failure = reason;
            _state = ServerState.Failed;
        }

        public void Stopped() => _state = ServerState.Stopped;
    }

    /// <summary>A milter's state.</summary>
    internal enum ServerState
    {
        Starting,
        Listening,
        Failed,
        Stopped,
    }
}
