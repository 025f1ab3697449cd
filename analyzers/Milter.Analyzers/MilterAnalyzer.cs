using Microsoft.CodeAnalysis.Diagnostics;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>
/// The common setup of every Milter analyzer: concurrent, generated code skipped, and the runtime's marker types
/// resolved once per compilation (nothing runs where Milter is not referenced).
/// </summary>
public abstract class MilterAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (MilterSymbols.Resolve(start.Compilation) is { } symbols)
                Start(start, symbols);
        });
    }

    /// <summary>Registers the analyzer's actions for one compilation.</summary>
    private protected abstract void Start(CompilationStartAnalysisContext context, MilterSymbols symbols);
}
