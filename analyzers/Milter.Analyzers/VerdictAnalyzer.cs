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

        // By parameter name, not position: named arguments may come in any order.
        var codeArgument = Argument(invocation, "code");
        var extendedArgument = Argument(invocation, "extendedCode");
        var code = codeArgument?.Value.ConstantValue is { HasValue: true, Value: int value } ? value : (int?)null;
        var extended = extendedArgument?.Value.ConstantValue is { HasValue: true } constant ? (constant.Value as string, true) : (null, false);
        char? fixableClass = null;
        var problem = ReplyRules.CheckCode(code, permanent)
            ?? ReplyRules.CheckExtendedCode(code, extended, out fixableClass)
            ?? ReplyRules.CheckLines(Argument(invocation, "lines") is { } lines ? Lines(lines) : null);
        if (problem is null)
            return;
        // The code fix rewrites the enhanced code's class when that is all that is wrong and the code is a literal, found by the additional location.
        var literal = fixableClass is not null && extendedArgument?.Value.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax syntax ? syntax : null;
        var properties = literal is not null
            ? ImmutableDictionary<string, string?>.Empty.Add(EnhancedClassProperty, fixableClass!.Value.ToString())
            : null;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.BadReply, invocation.Syntax.GetLocation(),
            literal is null ? null : new[] { literal.GetLocation() }, properties, problem));
    }

    private static IArgumentOperation? Argument(IInvocationOperation invocation, string parameter) =>
        invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameter);

    /// <summary>
    /// The constant lines of the params argument: expanded, an explicit array, or a collection expression (<c>["a"]</c>,
    /// <c>[]</c>); null when any line is not a constant, or the lines are not written out (a variable, a spread).
    /// </summary>
    private static ImmutableArray<string?>? Lines(IArgumentOperation argument)
    {
        var elements = WithoutConversions(argument.Value) switch
        {
            IArrayCreationOperation { Initializer: { } initializer } => initializer.ElementValues,
            IArrayCreationOperation { DimensionSizes.Length: 1 } empty when empty.DimensionSizes[0].ConstantValue is { HasValue: true, Value: 0 } => ImmutableArray<IOperation>.Empty,
            ICollectionExpressionOperation collection => collection.Elements,
            _ => (ImmutableArray<IOperation>?)null,
        };
        if (elements is not { } values || values.Any(v => v is ISpreadOperation))
            return null;
        var lines = values.Select(v => v.ConstantValue.HasValue ? v.ConstantValue.Value as string : null).ToImmutableArray();
        return lines.Any(l => l is null) ? null : lines;
    }

    /// <summary>Looks through conversions (a collection expression reaches a params parameter converted).</summary>
    private static IOperation WithoutConversions(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
            operation = conversion.Operand;
        return operation;
    }
}
