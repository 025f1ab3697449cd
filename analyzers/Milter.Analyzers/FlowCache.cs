using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>One <see cref="ContextFlow"/> per compilation, shared by the analyzers that ask it, so each method body is read once.</summary>
internal static class FlowCache
{
    private static readonly ConditionalWeakTable<Compilation, ContextFlow> Flows = new();

    public static ContextFlow For(MilterSymbols symbols) => Flows.GetValue(symbols.Compilation, _ => new ContextFlow(symbols));
}
