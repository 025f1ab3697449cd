using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators;

namespace Milter.Analyzers;

/// <summary>.Result, .Wait(), GetAwaiter().GetResult() and Thread.Sleep in an asynchronous handler block a pool thread while the MTA waits.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.BlockingCall);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var task = start.Compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
            var genericTask = start.Compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
            var valueTask = start.Compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
            var thread = start.Compilation.GetTypeByMetadataName("System.Threading.Thread");
            var handlers = KnownNames.EventAttributes.Select(e => start.Compilation.GetTypeByMetadataName(e.Attribute)).Where(t => t is not null).ToImmutableArray();
            if (task is null || genericTask is null || valueTask is null || thread is null || handlers.IsEmpty)
                return;

            bool InAsyncHandler(ISymbol? symbol) =>
                symbol is IMethodSymbol { IsAsync: true } method
                && method.GetAttributes().Any(a => handlers.Any(h => SymbolEqualityComparer.Default.Equals(a.AttributeClass, h)));

            bool IsTask(ITypeSymbol? type) => type is INamedTypeSymbol named
                && (SymbolEqualityComparer.Default.Equals(named, task) || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, genericTask)
                    || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, valueTask));

            start.RegisterOperationAction(op =>
            {
                if (!InAsyncHandler(op.ContainingSymbol))
                    return;
                var what = op.Operation switch
                {
                    IPropertyReferenceOperation { Property.Name: "Result" } p when IsTask(p.Instance?.Type) => ".Result",
                    IInvocationOperation { TargetMethod.Name: "Wait" } i when IsTask(i.Instance?.Type) => ".Wait()",
                    IInvocationOperation { TargetMethod.Name: "GetResult", Instance: IInvocationOperation { TargetMethod.Name: "GetAwaiter" } awaiter }
                        when IsTask(awaiter.Instance?.Type) => ".GetAwaiter().GetResult()",
                    IInvocationOperation { TargetMethod.Name: "Sleep" } s when SymbolEqualityComparer.Default.Equals(s.TargetMethod.ContainingType, thread) => "Thread.Sleep",
                    _ => null,
                };
                if (what is not null)
                    op.ReportDiagnostic(Diagnostic.Create(Descriptors.BlockingCall, op.Operation.Syntax.GetLocation(), what));
            }, OperationKind.PropertyReference, OperationKind.Invocation);
        });
    }
}
