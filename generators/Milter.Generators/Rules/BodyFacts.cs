using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Milter.Generators.Rules;

/// <summary>What one body does directly (read by <see cref="BodyReader"/>, walked by <see cref="ContextFlow"/>).</summary>
internal sealed class BodyFacts(bool declares)
{
    /// <summary>Changes made on a context here, and actions declared by the code it calls.</summary>
    public uint Actions;

    /// <summary>The envelope steps whose data the code reads (Sender, Recipients), as <see cref="KnownNames.StepOf"/> bits.</summary>
    public int ReadsSteps;

    /// <summary>The method carries [UsesActions]: what it and everything below it does is declared.</summary>
    public bool Declares { get; } = declares;

    public List<ISymbol> Next { get; } = new();

    public List<Escape> Escapes { get; } = new();
}
