using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>
/// Code in a filter whose exception would leave the session and end the process: async void methods, local functions
/// and lambdas (MILTER015; async void handlers are reported with the handler rules), and callbacks queued on the
/// thread pool, a timer or a thread of their own (MILTER016) unless they catch everything themselves.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ExceptionEscapeAnalyzer : MilterAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.AsyncVoid, Descriptors.UnobservedCallback);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols) =>
        context.RegisterSymbolStartAction(start =>
        {
            var type = (INamedTypeSymbol)start.Symbol;
            if (!symbols.IsFilter(type))
                return;
            start.RegisterOperationAction(op => AnalyzeFunction(op), OperationKind.AnonymousFunction, OperationKind.LocalFunction);
            start.RegisterOperationAction(op => AnalyzeCallback(op), OperationKind.Invocation, OperationKind.ObjectCreation);
            start.RegisterSymbolEndAction(end =>
            {
                foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
                {
                    if (method.IsAsync && method.ReturnsVoid && symbols.EventOf(method) is null)
                        end.ReportDiagnostic(Diagnostic.Create(Descriptors.AsyncVoid, ReturnType(method), $"The method '{method.Name}'", "return async Task and await it"));
                }
            });
        }, SymbolKind.NamedType);

    private static void AnalyzeFunction(OperationAnalysisContext context)
    {
        switch (context.Operation)
        {
            case ILocalFunctionOperation { Symbol: { IsAsync: true, ReturnsVoid: true } local } function:
                var returnType = (function.Syntax as LocalFunctionStatementSyntax)?.ReturnType.GetLocation() ?? function.Syntax.GetLocation();
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.AsyncVoid, returnType, $"The local function '{local.Name}'", "return async Task and await it"));
                break;
            case IAnonymousFunctionOperation { Symbol: { IsAsync: true, ReturnsVoid: true } } lambda:
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.AsyncVoid, lambda.Syntax.GetLocation(), $"This async lambda, passed as a {DelegateName(lambda)},",
                    "give it a delegate type that returns a Task (Func<Task>) and await it"));
                break;
        }
    }

    private static void AnalyzeCallback(OperationAnalysisContext context)
    {
        var (callee, arguments) = context.Operation switch
        {
            IInvocationOperation call => (call.TargetMethod, call.Arguments),
            IObjectCreationOperation { Constructor: { } constructor } creation => (constructor, creation.Arguments),
            _ => (null, ImmutableArray<IArgumentOperation>.Empty),
        };
        if (callee is null)
            return;
        var thread = KnownCallbacks.QueuesCallback(callee) ?? (KnownCallbacks.StartsThread(callee) ? "a thread of its own" : null);
        if (thread is null)
            return;
        foreach (var argument in arguments)
        {
            var value = OperationValue.Unwrap(argument.Value);
            if (value is IDelegateCreationOperation creation)
                value = OperationValue.Unwrap(creation.Target);
            if (value is IAnonymousFunctionOperation lambda && !CatchesEverything(lambda.Body))
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.UnobservedCallback, lambda.Syntax.GetLocation(), thread));
            else if (value is IMethodReferenceOperation)
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.UnobservedCallback, value.Syntax.GetLocation(), thread));
        }
    }

    /// <summary>Whether a lambda's whole body is a try with a catch for every exception.</summary>
    private static bool CatchesEverything(IBlockOperation body)
    {
        var statements = body.Operations.Where(o => o is not IReturnOperation { ReturnedValue: null, IsImplicit: true }).ToList();
        return statements.Count == 1 && statements[0] is ITryOperation attempt
            && attempt.Catches.Any(c => c.Filter is null && (c.ExceptionType.SpecialType == SpecialType.System_Object || c.ExceptionType.ToDisplayString() == "System.Exception"));
    }

    private static string DelegateName(IAnonymousFunctionOperation lambda) =>
        lambda.Parent is IDelegateCreationOperation { Type: { } type } ? type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) : "void-returning delegate";

    private static Location? ReturnType(IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>().FirstOrDefault()?.ReturnType.GetLocation()
        ?? method.Locations.FirstOrDefault();
}
