using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators.Model;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>Verdicts the MTA would refuse: Skip outside the body handler, and constant replies that break the reply rules.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class VerdictAnalyzer : MilterAnalyzer
{
    /// <summary>The diagnostic property that carries the class digit an enhanced status code needs (for the code fix).</summary>
    public const string EnhancedClassProperty = "EnhancedClass";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.SkipOutsideBody, Descriptors.BadReply);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        if (symbols.MilterVerdict is not { } verdict || symbols.SmtpReply is not { } reply)
            return;
        context.RegisterOperationAction(op => AnalyzeSkip(op, verdict, symbols), OperationKind.PropertyReference);
        context.RegisterOperationAction(op => AnalyzeReply(op, verdict, reply), OperationKind.Invocation);
    }

    private static void AnalyzeSkip(OperationAnalysisContext context, INamedTypeSymbol verdict, MilterSymbols symbols)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name != "Skip" || !SymbolEqualityComparer.Default.Equals(reference.Property.ContainingType, verdict))
            return;
        if (context.ContainingSymbol is IMethodSymbol method && symbols.EventOf(method) is { } e && e != MilterEvent.Body)
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.SkipOutsideBody, reference.Syntax.GetLocation(), FilterRules.AttributeName(e)));
    }

    private static void AnalyzeReply(OperationAnalysisContext context, INamedTypeSymbol verdict, INamedTypeSymbol reply)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        var owner = method.ContainingType;
        bool? permanent;
        if (SymbolEqualityComparer.Default.Equals(owner, verdict) && method.Name is "Reject" or "Tempfail" && method.Parameters.Length == 3)
            permanent = method.Name == "Reject";
        else if (SymbolEqualityComparer.Default.Equals(owner, reply) && method.Name == "Create")
            permanent = null;
        else
            return;

        var code = invocation.Arguments[0].Value.ConstantValue;
        var extended = invocation.Arguments[1].Value.ConstantValue;
        char? fixableClass = null;
        var problem = ReplyRules.CheckCode(code.HasValue ? code.Value as int? : null, permanent)
            ?? ReplyRules.CheckExtendedCode(code.HasValue ? code.Value as int? : null, extended.HasValue ? (extended.Value as string, true) : (null, false), out fixableClass)
            ?? ReplyRules.CheckLines(Lines(invocation.Arguments[2]));
        if (problem is null)
            return;
        // The code fix rewrites the enhanced code's class when that is all that is wrong and the code is a literal.
        var properties = fixableClass is { } digit && invocation.Arguments[1].Value.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax
            ? ImmutableDictionary<string, string?>.Empty.Add(EnhancedClassProperty, digit.ToString())
            : null;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.BadReply, invocation.Syntax.GetLocation(), properties, problem));
    }

    /// <summary>The constant lines of a params argument; null when any line is not a constant.</summary>
    private static ImmutableArray<string?>? Lines(IArgumentOperation argument)
    {
        if (argument.Value is IArrayCreationOperation { Initializer: { } initializer })
        {
            var lines = initializer.ElementValues.Select(v => v.ConstantValue.HasValue ? v.ConstantValue.Value as string : null).ToImmutableArray();
            return lines.Any(l => l is null) ? null : lines;
        }

        return null;
    }
}
