using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators;
using Milter.Generators.Rules;
using Milter.Generators.Model;

namespace Milter.Analyzers;

/// <summary>Macros read where the MTA cannot have sent them (too early, or left out by the filter's own request list), and malformed names read in code.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MacroAnalyzer : MilterAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.MacroNotYetSent, Descriptors.MacroNotRequested, Descriptors.BadMacroName);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        if (symbols.MilterMacros is not { } macros || symbols.MacroAttribute is not { } macroAttribute || symbols.RequestMacrosAttribute is not { } requestMacros)
            return;
        context.RegisterSymbolStartAction(symbolStart =>
        {
            var type = (INamedTypeSymbol)symbolStart.Symbol;
            if (!symbols.IsFilter(type))
                return;
            var reads = new ConcurrentBag<(IMethodSymbol Method, string Name, Location Location)>();
            symbolStart.RegisterOperationAction(op =>
            {
                if (op.ContainingSymbol is IMethodSymbol method && MacroRead(op.Operation, macros) is { } read)
                    reads.Add((method, read.Name, read.Location));
            }, OperationKind.PropertyReference, OperationKind.Invocation);
            symbolStart.RegisterSymbolEndAction(end => Report(end, type, reads, macroAttribute, requestMacros, symbols));
        }, SymbolKind.NamedType);
    }

    private static (string Name, Location Location)? MacroRead(IOperation operation, INamedTypeSymbol macros)
    {
        var (owner, argument) = operation switch
        {
            IPropertyReferenceOperation { Property.IsIndexer: true } indexer => (indexer.Property.ContainingType, indexer.Arguments.FirstOrDefault()),
            IInvocationOperation { TargetMethod.Name: "TryGetValue" } call => (call.TargetMethod.ContainingType, call.Arguments.FirstOrDefault()),
            _ => (null, null),
        };
        if (owner is null || argument is null || !SymbolEqualityComparer.Default.Equals(owner, macros))
            return null;
        return argument.Value.ConstantValue is { HasValue: true, Value: string name } ? (name, argument.Value.Syntax.GetLocation()) : null;
    }

    private static void Report(SymbolAnalysisContext context, INamedTypeSymbol type, IEnumerable<(IMethodSymbol Method, string Name, Location Location)> reads,
        INamedTypeSymbol macroAttribute, INamedTypeSymbol requestMacros, MilterSymbols symbols)
    {
        var handlers = new Dictionary<IMethodSymbol, MilterEvent>(SymbolEqualityComparer.Default);
        var requested = new Dictionary<int, HashSet<string>>();
        void Request(int wireStage, string name)
        {
            if (!requested.TryGetValue(wireStage, out var names))
                requested[wireStage] = names = new HashSet<string>();
            names.Add(MacroKnowledge.Braced(name));
        }

        foreach (var attribute in type.GetAttributes().Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, requestMacros)))
        {
            if (attribute.ConstructorArguments.Length == 2 && attribute.ConstructorArguments[0].Value is uint stage)
            {
                foreach (var value in attribute.ConstructorArguments[1].Values)
                {
                    if (value.Value is string name)
                        Request((int)stage, name);
                }
            }
        }

        var parameterReads = new List<(MilterEvent Event, string Name, Location Location)>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (symbols.EventOf(method) is not { } e)
                continue;
            handlers[method] = e;
            foreach (var parameter in method.Parameters)
            {
                var macro = parameter.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, macroAttribute));
                // A malformed name is MILTER019 (the filter rules); nothing more to say about it here.
                if (macro?.ConstructorArguments.FirstOrDefault().Value is not string name || MacroNames.Problem(name, requested: true) is not null)
                    continue;
                if (KnownNames.MacroStageOf(e) is var wire and >= 0)
                    Request(wire, name);
                var location = macro.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? parameter.Locations.FirstOrDefault();
                parameterReads.Add((e, name, location!));
            }
        }

        foreach (var (e, name, location) in parameterReads)
            CheckTooEarly(context, e, name, location);
        foreach (var (method, name, location) in reads)
        {
            // A lookup accepts a long name without braces; the rest of the rules are those of a request.
            if (MacroNames.Problem(name, requested: false) is { } problem)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.BadMacroName, location, "\"" + name + "\"", problem));
                continue;
            }

            if (!handlers.TryGetValue(method, out var e) || CheckTooEarly(context, e, name, location))
                continue;
            var stage = MacroKnowledge.StageOf(e);
            var wire = KnownNames.MacroStageOf(e);
            if (stage >= 0 && MacroKnowledge.FirstStageOf(name) == stage && requested.TryGetValue(wire, out var list) && !list.Contains(MacroKnowledge.Braced(name)))
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MacroNotRequested, location, name, MacroKnowledge.StageName(stage)));
        }
    }

    private static bool CheckTooEarly(SymbolAnalysisContext context, MilterEvent e, string name, Location location)
    {
        var stage = MacroKnowledge.StageOf(e);
        var first = MacroKnowledge.FirstStageOf(name);
        if (stage < 0 || first <= stage)
            return false;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MacroNotYetSent, location, name, MacroKnowledge.StageName(first), FilterRules.AttributeName(e)));
        return true;
    }
}
