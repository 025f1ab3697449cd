using Microsoft.Extensions.Logging;

namespace Milter;

/// <summary>
/// Several milters served as one (built by <see cref="MilterPipeline"/>): its negotiation is computed from the parts', and
/// each SMTP connection gets one handler that calls the parts' handlers in order. Parts' options (dry run, conditions) can
/// be changed while it serves (<see cref="Configure(string, Action{MilterPartOptions})"/>): messages that start afterwards use them.
/// </summary>
public sealed class MilterComposition : IMilterHandlerFactory
{
    private readonly IMilterHandlerFactory[] _factories;
    private readonly object _gate = new();
    private PartSettings[] _settings;
    private MilterDescription _description;

    internal MilterComposition(string name, IMilterHandlerFactory[] factories, MilterPartOptions[] options, ILogger logger)
    {
        Name = name;
        _factories = factories;
        Logger = logger;
        _settings = [.. options.Select(o => new PartSettings(o))];
        _description = PipelineDescription.Combine(name, _factories, _settings);
    }

    /// <summary>The pipeline's name.</summary>
    public string Name { get; }

    /// <summary>The parts' names, in order.</summary>
    public IReadOnlyList<string> PartNames => [.. Volatile.Read(ref _settings).Select(s => s.Options.Name)];

    /// <inheritdoc />
    public MilterDescription Description => Volatile.Read(ref _description);

    internal ILogger Logger { get; }

    internal IReadOnlyList<IMilterHandlerFactory> Factories => _factories;

    /// <summary>The current settings of each part, in order; read once per message.</summary>
    internal PartSettings[] Settings => Volatile.Read(ref _settings);

    /// <summary>A copy of the options of the part called <paramref name="part"/>.</summary>
    public MilterPartOptions GetPartOptions(string part) => Settings[IndexOf(part)].Options.Clone();

    /// <summary>
    /// Changes the options of the part called <paramref name="part"/> (its name stays): messages that start from now on use
    /// them. A condition that needs a step the MTA was not asked for (client networks need CONNECT) applies fully to
    /// connections opened afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">No such part, or the new options are invalid (nothing changes then).</exception>
    public void Configure(string part, Action<MilterPartOptions> configure) =>
        Configure(new Dictionary<string, Action<MilterPartOptions>> { [part] = configure });

    /// <summary>Changes the options of several parts at once, by name: all of them, or none when one is invalid (see <see cref="Configure(string, Action{MilterPartOptions})"/>).</summary>
    /// <exception cref="ArgumentException">A part does not exist, or its new options are invalid; the message names every problem.</exception>
    public void Configure(IReadOnlyDictionary<string, Action<MilterPartOptions>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        lock (_gate)
        {
            var settings = (PartSettings[])_settings.Clone();
            List<string> problems = [];
            foreach (var (part, configure) in parts)
            {
                try
                {
                    var index = IndexOf(part);
                    var options = settings[index].Options.Clone();
                    configure(options);
                    options.Name = settings[index].Options.Name;
                    settings[index] = new PartSettings(options);
                }
                catch (ArgumentException e)
                {
                    problems.Add($"{part}: {e.Message}");
                }
            }

            if (problems.Count > 0)
                throw new ArgumentException(string.Join(" ", problems), nameof(parts));
            var description = PipelineDescription.Combine(Name, _factories, settings);
            Volatile.Write(ref _settings, settings);
            Volatile.Write(ref _description, description);
        }
    }

    /// <inheritdoc />
    public IMilterHandler CreateHandler() => new PipelineHandler(this);

    private int IndexOf(string part)
    {
        var settings = Settings;
        for (var i = 0; i < settings.Length; i++)
        {
            if (string.Equals(settings[i].Options.Name, part, StringComparison.OrdinalIgnoreCase))
                return i;
        }

        throw new ArgumentException($"The pipeline '{Name}' has no part named '{part}' (parts: {string.Join(", ", settings.Select(s => s.Options.Name))}).", nameof(part));
    }
}
