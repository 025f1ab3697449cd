using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter;

/// <summary>
/// Composes several milters (parts) into one, served on one socket: <c>MilterPipeline.Create("inbound").Add&lt;Policy&gt;()
/// .Add&lt;Stamp&gt;(configure: p =&gt; p.DryRun = true).Build()</c>. Parts run in the order added, with the verdict rules of
/// Postfix's <c>smtpd_milters = A, B</c> (docs/composition.md): a reject, tempfail or discard from one part ends the message (or
/// the recipient, at RCPT) for the rest; accept from one part stops only that part; changes apply in part order, and header
/// indexes count the headers as the earlier parts left them.
/// </summary>
public sealed class MilterPipeline
{
    private readonly string _name;
    private readonly List<(IMilterHandlerFactory Factory, MilterPartOptions Options)> _parts = [];
    private ILogger _logger = NullLogger.Instance;

    private MilterPipeline(string name) => _name = name;

    /// <summary>Starts a pipeline called <paramref name="name"/> (its name in logs and metrics).</summary>
    public static MilterPipeline Create(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new MilterPipeline(name);
    }

    /// <summary>Adds a generated filter as the next part; constructor parameters come from <paramref name="services"/>.</summary>
    public MilterPipeline Add<TFilter>(IServiceProvider? services = null, Action<MilterPartOptions>? configure = null)
        where TFilter : IMilterFilter<TFilter> =>
        Add(MilterHandlerFactory.For<TFilter>(services), configure);

    /// <summary>Adds any handler factory (a hand-written handler, an external milter) as the next part.</summary>
    public MilterPipeline Add(IMilterHandlerFactory part, Action<MilterPartOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(part);
        var options = new MilterPartOptions { Name = part.Description.Name ?? $"part{_parts.Count + 1}" };
        configure?.Invoke(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name, nameof(MilterPartOptions.Name));
        if (_parts.Exists(p => string.Equals(p.Options.Name, options.Name, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"The pipeline '{_name}' already has a part named '{options.Name}'; give each part its own Name.", nameof(configure));
        _parts.Add((part, options));
        return this;
    }

    /// <summary>Where the pipeline logs a part's failure and each dry-run part's verdict.</summary>
    public MilterPipeline WithLogger(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        return this;
    }

    /// <summary>The composed milter, to serve like any other (<see cref="Server.MilterServer"/>, the test host, hosting).</summary>
    /// <exception cref="InvalidOperationException">No part was added (analyzer MILTER023 reports it at compile time).</exception>
    public MilterComposition Build()
    {
        if (_parts.Count == 0)
            throw new InvalidOperationException($"The pipeline '{_name}' has no parts: add at least one with Add.");
        return new MilterComposition(_name, [.. _parts.Select(p => p.Factory)], [.. _parts.Select(p => p.Options)], _logger);
    }
}
