using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>
/// Reports what keeps the generator from completing a filter class: the same <see cref="FilterRules"/> the generator
/// decides by, so a class it skips always has an error here, and a class reported here is never half-generated.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FilterShapeAnalyzer : MilterAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.NotPartial, Descriptors.BadShape, Descriptors.DuplicateHandler, Descriptors.StaticOrGeneric,
        Descriptors.HandlerNeverCalled, Descriptors.GenericFilter, Descriptors.AsyncVoid, Descriptors.BadMacroName,
        Descriptors.FilterNotCompletable, Descriptors.TwoEvents);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        context.RegisterSymbolAction(symbol =>
        {
            var type = (INamedTypeSymbol)symbol.Symbol;
            if (!symbols.IsFilter(type))
            {
                if (FilterRules.CheckNonFilter(type, symbols) is { } unused)
                    symbol.ReportDiagnostic(unused);
                return;
            }

            foreach (var problem in FilterRules.Check(type, symbols, symbol.CancellationToken))
                symbol.ReportDiagnostic(problem);
        }, SymbolKind.NamedType);

        // A local function cannot be a handler: the generator only sees a class's members.
        context.RegisterSyntaxNodeAction(node =>
        {
            var function = (LocalFunctionStatementSyntax)node.Node;
            if (function.AttributeLists.Count == 0 || node.SemanticModel.GetDeclaredSymbol(function, node.CancellationToken) is not IMethodSymbol method)
                return;
            if (symbols.EventsOf(method) is { Length: > 0 } events)
            {
                node.ReportDiagnostic(Diagnostic.Create(Descriptors.HandlerNeverCalled, function.Identifier.GetLocation(),
                    $"The local function '{method.Name}' is marked [{FilterRules.AttributeName(events[0])}], but only methods of a [MailFilter] class are handlers; make it a method of the class"));
            }
        }, SyntaxKind.LocalFunctionStatement);
    }
}
