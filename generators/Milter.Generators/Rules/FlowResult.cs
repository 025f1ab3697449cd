using System.Collections.Immutable;

namespace Milter.Generators.Rules;

/// <summary>What a flow found: the actions, and where the context went out of sight.</summary>
internal sealed class FlowResult(uint actions, ImmutableArray<Escape> escapes, int readsSteps)
{
    /// <summary>The envelope steps whose data the code reads: without them negotiated, Sender and Recipients stay empty.</summary>
    public int ReadsSteps { get; } = readsSteps;

    /// <summary>Action flags, with <see cref="KnownNames.Progress"/> when progress is sent.</summary>
    public uint Actions { get; } = actions;

    public ImmutableArray<Escape> Escapes { get; } = escapes;
}
