using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Milter.Generators;
using Milter.Generators.Model;

namespace Milter.Analyzers;

/// <summary>What the generator needs from a filter class and its handlers: partial, not generic, one handler per event, shapes it can adapt.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FilterShapeAnalyzer : MilterAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.NotPartial, Descriptors.BadShape, Descriptors.DuplicateHandler, Descriptors.StaticOrGeneric,
        Descriptors.MissingMailFilter, Descriptors.GenericFilter);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols) =>
        context.RegisterSymbolAction(symbol => AnalyzeType(symbol, symbols), SymbolKind.NamedType);

    private static void AnalyzeType(SymbolAnalysisContext context, MilterSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var isFilter = symbols.IsFilter(type);
        var handlers = new List<(IMethodSymbol Method, MilterEvent Event)>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            foreach (var e in symbols.EventsOf(method))
                handlers.Add((method, e));
        }

        var location = type.Locations.FirstOrDefault();
        if (!isFilter)
        {
            if (handlers.Count > 0)
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MissingMailFilter, location, type.Name));
            return;
        }

        if (type.IsGenericType)
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.GenericFilter, location, type.Name));
        if (!IsPartialAll(type))
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.NotPartial, location, type.Name));

        var seen = new Dictionary<MilterEvent, IMethodSymbol>();
        foreach (var (method, e) in handlers)
        {
            if (seen.TryGetValue(e, out var first))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.DuplicateHandler, method.Locations.FirstOrDefault(), first.Name, method.Name, AttributeName(e)));
                continue;
            }

            seen[e] = method;
            CheckHandler(context, method, e);
        }
    }

    private static void CheckHandler(SymbolAnalysisContext context, IMethodSymbol method, MilterEvent e)
    {
        var location = method.Locations.FirstOrDefault();
        if (method.IsStatic || method.IsGenericMethod)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.StaticOrGeneric, location, method.Name, method.IsStatic ? "static" : "generic"));
            return;
        }

        var returns = HandlerShapes.ReturnKindOf(method.ReturnType);
        if (returns is null || !HandlerShapes.ReturnAllowed(e, returns.Value))
        {
            Report(context, method, e, $"it returns {method.ReturnType.ToDisplayString()}", ReturnTypeLocation(method) ?? location);
            return;
        }

        var strings = 0;
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None || HandlerShapes.ArgumentOf(parameter, e, ref strings) is null)
            {
                Report(context, method, e, $"parameter '{parameter.Name}' of type {parameter.Type.ToDisplayString()} has no meaning here",
                    parameter.Locations.FirstOrDefault() ?? location);
                return;
            }
        }
    }

    private static void Report(SymbolAnalysisContext context, IMethodSymbol method, MilterEvent e, string problem, Location? location) =>
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.BadShape, location, method.Name, AttributeName(e), problem,
            HandlerShapes.AllowedReturns(e), HandlerShapes.AllowedParameters(e)));

    private static Location? ReturnTypeLocation(IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>().FirstOrDefault()?.ReturnType.GetLocation();

    private static bool IsPartialAll(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (!current.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword)))
                return false;
        }

        return true;
    }

    internal static string AttributeName(MilterEvent e) => "On" + e;
}
