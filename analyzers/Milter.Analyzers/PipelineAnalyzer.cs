using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>
/// A <c>MilterPipeline</c> built in one fluent chain without an <c>Add</c>: <c>Build()</c> would throw at start-up. The
/// analyzer follows the chain from <c>Build()</c> back to <c>MilterPipeline.Create</c>; a builder kept in a variable or
/// passed around is left to the runtime, which throws <c>InvalidOperationException</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PipelineAnalyzer : MilterAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.EmptyPipeline);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        if (context.Compilation.GetTypeByMetadataName("Milter.MilterPipeline") is not { } pipeline)
            return;
        context.RegisterOperationAction(op =>
        {
            var build = (IInvocationOperation)op.Operation;
            if (build.TargetMethod.Name != "Build" || !SymbolEqualityComparer.Default.Equals(build.TargetMethod.ContainingType, pipeline))
                return;
            var receiver = build.Instance;
            while (receiver is IInvocationOperation call && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, pipeline))
            {
                if (call.TargetMethod.Name == "Add")
                    return;
                if (call.TargetMethod.Name == "Create")
                {
                    var name = call.Arguments.Length > 0 && call.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string text } ? "'" + text + "'" : "here";
                    op.ReportDiagnostic(Diagnostic.Create(Descriptors.EmptyPipeline, build.Syntax.GetLocation(), name));
                    return;
                }

                receiver = call.Instance;
            }
        }, OperationKind.Invocation);
    }
}
