namespace Milter.Server;

public sealed partial class MilterServer
{
    /// <summary>
    /// Applies the settings that can change while the server runs (the per-connection ones: <see cref="MilterSessionOptions"/>,
    /// and <see cref="MilterServerOptions.ShutdownTimeout"/>) to the connections accepted from now on, and logs what
    /// changed. Changes to the listen addresses, <see cref="MilterServerOptions.MaxConnections"/>,
    /// <see cref="MilterServerOptions.RefuseExcessConnections"/>, <see cref="MilterServerOptions.MaxBufferedBytes"/>,
    /// <see cref="MilterServerOptions.UnixSocketMode"/>, <see cref="MilterServerOptions.Backlog"/> and
    /// <see cref="MilterServerOptions.EpollLoops"/> need a restart; they
    /// are logged as such and left as they are.
    /// </summary>
    /// <returns>The names of the settings applied.</returns>
    public IReadOnlyList<string> Reload(MilterServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var old = _reloadable;
        List<string> applied = [];
        Compare(applied, nameof(options.DefaultVerdict), old.DefaultVerdict, options.DefaultVerdict);
        Compare(applied, nameof(options.NegotiationTimeout), old.NegotiationTimeout, options.NegotiationTimeout);
        Compare(applied, nameof(options.IdleTimeout), old.IdleTimeout, options.IdleTimeout);
        Compare(applied, nameof(options.ReadTimeout), old.ReadTimeout, options.ReadTimeout);
        Compare(applied, nameof(options.HandlerTimeout), old.HandlerTimeout, options.HandlerTimeout);
        Compare(applied, nameof(options.EndOfMessageTimeout), old.EndOfMessageTimeout, options.EndOfMessageTimeout);
        Compare(applied, nameof(options.ProgressInterval), old.ProgressInterval, options.ProgressInterval);
        Compare(applied, nameof(options.MaxFrameLength), old.MaxFrameLength, options.MaxFrameLength);
        Compare(applied, nameof(options.Mta), old.Mta, options.Mta);
        Compare(applied, nameof(options.ShutdownTimeout), old.ShutdownTimeout, options.ShutdownTimeout);
        Compare(applied, nameof(options.Limits), old.Limits, options.Limits);

        List<string> needRestart = [];
        if (!_options.Listen.SequenceEqual(options.Listen))
            needRestart.Add(nameof(options.Listen));
        Compare(needRestart, nameof(options.MaxConnections), _options.MaxConnections, options.MaxConnections);
        Compare(needRestart, nameof(options.RefuseExcessConnections), _options.RefuseExcessConnections, options.RefuseExcessConnections);
        Compare(needRestart, nameof(options.MaxBufferedBytes), _options.MaxBufferedBytes, options.MaxBufferedBytes);
        Compare(needRestart, nameof(options.UnixSocketMode), _options.UnixSocketMode, options.UnixSocketMode);
        Compare(needRestart, nameof(options.Backlog), _options.Backlog, options.Backlog);
        Compare(needRestart, nameof(options.EpollLoops), _options.EpollLoops, options.EpollLoops);

        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBufferedBytes, (long)options.MaxFrameLength + Protocol.MilterFrameReader.HeaderLength, nameof(options));
        // Invalid limits throw here, before anything changed.
        _served = _factory.WithLimits(options.Limits, _loggers);
        _reloadable = options;
        ServerLog.Reloaded(_log, applied.Count == 0 ? "nothing changed" : string.Join(", ", applied));
        if (needRestart.Count > 0)
            ServerLog.ReloadNeedsRestart(_log, string.Join(", ", needRestart));
        return applied;
    }

    private static void Compare<T>(List<string> changed, string name, T old, T now)
    {
        if (!EqualityComparer<T>.Default.Equals(old, now))
            changed.Add(name);
    }
}
