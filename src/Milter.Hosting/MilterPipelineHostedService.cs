using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Server;

namespace Milter.Hosting;

/// <summary>
/// Runs a <see cref="MilterComposition"/> (a <see cref="MilterPipeline"/>) as one milter for the lifetime of the host, as
/// <see cref="MilterHostedService{TFilter}"/> runs one filter, with its parts' settings from <c>Milter:Pipeline:Parts</c>
/// applied at start and again at each reload (SIGHUP): switching a part's dry run on or off needs no restart.
/// </summary>
public sealed class MilterPipelineHostedService : IHostedService, IAsyncDisposable
{
    private readonly HostedMilter _milter;
    private readonly MilterComposition _pipeline;
    private readonly IServiceProvider _services;
    private readonly ILogger _log;
    private readonly Dictionary<string, MilterPartOptions> _baseline;

    /// <summary>Serves <paramref name="pipeline"/> with the validated options; its parts' settings from configuration are applied here.</summary>
    /// <exception cref="OptionsValidationException">The pipeline settings name a part that does not exist, or are invalid.</exception>
    public MilterPipelineHostedService(IServiceProvider services, MilterComposition pipeline, IOptions<MilterHostingOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _pipeline = pipeline;
        _services = services;
        _log = loggers.CreateLogger("Milter.Hosting");
        // What code made each part: configuration overrides it, and a setting removed from configuration returns to it.
        _baseline = pipeline.PartNames.ToDictionary(n => n, pipeline.GetPartOptions, StringComparer.OrdinalIgnoreCase);
        ApplyPartSettings();
        _milter = new HostedMilter(services, pipeline, pipeline.Name, options.Value, loggers, Reloaded);
    }

    /// <summary>The addresses the server listens on, with the real ports.</summary>
    public IReadOnlyList<MilterAddress> Addresses => _milter.Addresses;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _milter.StartAsync(cancellationToken);

    /// <summary>Stops gracefully: messages in flight finish within the shutdown timeout (and the host's).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _milter.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _milter.DisposeAsync();

    private void Reloaded()
    {
        try
        {
            ApplyPartSettings();
        }
        catch (OptionsValidationException e)
        {
            HostingLog.ReloadRefused(_log, string.Join(" ", e.Failures));
        }
    }

    /// <summary>Applies every part's settings (code's, with configuration's over them), all or none.</summary>
    private void ApplyPartSettings()
    {
        var settings = _services.GetRequiredService<IOptionsFactory<MilterPipelineHostingOptions>>().Create(Options.DefaultName);
        var unknown = settings.Parts.Keys.Where(n => !_baseline.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new OptionsValidationException(nameof(MilterPipelineHostingOptions), typeof(MilterPipelineHostingOptions),
                [$"Milter:Pipeline:Parts names {string.Join(", ", unknown)}, not a part of the pipeline '{_pipeline.Name}' (parts: {string.Join(", ", _baseline.Keys)}); "
                    + "an external part is declared in code, where it belongs in the order, with AddExternal(services, \"<name>\")."]);
        }

        try
        {
            _pipeline.Configure(_baseline.ToDictionary(p => p.Key, Action<MilterPartOptions> (p) =>
                o => MilterPartHostingOptions.Apply(settings.Parts.GetValueOrDefault(p.Key), o, p.Value)));
        }
        catch (ArgumentException e)
        {
            throw new OptionsValidationException(nameof(MilterPipelineHostingOptions), typeof(MilterPipelineHostingOptions), [$"Milter:Pipeline:Parts: {e.Message}"]);
        }
    }
}
