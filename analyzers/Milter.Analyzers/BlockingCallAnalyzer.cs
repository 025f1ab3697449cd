using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>.Result, .Wait(), GetAwaiter().GetResult() and Thread.Sleep in an asynchronous handler block a pool thread while the MTA waits.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallAnalyzer : MilterAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.BlockingCall);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        var thread = context.Compilation.GetTypeByMetadataName("System.Threading.Thread");
        if (thread is null)
            return;

        // Task, Task<T>, ValueTask, ValueTask<T>, and what .ConfigureAwait(...) makes of them.
        static bool IsTask(IOperation? instance) =>
            instance is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured } ? IsTask(configured) : KnownCallbacks.IsTaskType(instance?.Type);

        context.RegisterOperationAction(op =>
        {
            if (op.ContainingSymbol is not IMethodSymbol { IsAsync: true } method || symbols.EventOf(method) is null)
                return;
            var what = op.Operation switch
            {
                IPropertyReferenceOperation { Property.Name: "Result" } p when IsTask(p.Instance) => ".Result",
                IInvocationOperation { TargetMethod.Name: "Wait" } i when IsTask(i.Instance) => ".Wait()",
                IInvocationOperation { TargetMethod.Name: "GetResult", Instance: IInvocationOperation { TargetMethod.Name: "GetAwaiter" } awaiter }
                    when IsTask(awaiter.Instance) => ".GetAwaiter().GetResult()",
                IInvocationOperation { TargetMethod.Name: "Sleep" } s when SymbolEqualityComparer.Default.Equals(s.TargetMethod.ContainingType, thread) => "Thread.Sleep",
                _ => null,
            };
            if (what is not null)
                op.ReportDiagnostic(Diagnostic.Create(Descriptors.BlockingCall, op.Operation.Syntax.GetLocation(), what));
        }, OperationKind.PropertyReference, OperationKind.Invocation);
    }
}
