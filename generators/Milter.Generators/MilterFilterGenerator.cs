using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Milter.Generators.Model;
using Milter.Generators.Rules;

namespace Milter.Generators;

/// <summary>
/// Completes every <c>[MailFilter]</c> partial class: a reflection-free IMilterHandler implementation, a
/// factory, and the negotiation description worked out at compile time.
/// </summary>
/// <remarks>
/// It emits code exactly when <see cref="FilterRules"/> find no error, and the analyzers report what the rules find;
/// a failure of its own becomes MILTER000 rather than a class that is silently not completed.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class MilterFilterGenerator : IIncrementalGenerator
{
    /// <summary>The tracking name of the step that turns classes into models.</summary>
    public const string FiltersStep = "Filters";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var filters = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.MailFilterAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (syntax, cancellationToken) => Outcome(syntax, cancellationToken))
            .WithTrackingName(FiltersStep);

        context.RegisterSourceOutput(filters, static (output, outcome) =>
        {
            if (outcome.Spec is { } spec)
                output.AddSource(spec.HintName, Emitter.Emit(spec));
            else if (outcome.Failure is { } failure)
                output.ReportDiagnostic(failure.ToDiagnostic());
            else if (outcome.Placeholder is { } placeholder)
                output.AddSource(placeholder.HintName, Emitter.EmitPlaceholder(placeholder));
        });
    }

    private static GenerationOutcome Outcome(GeneratorAttributeSyntaxContext syntax, System.Threading.CancellationToken cancellationToken)
    {
        if (syntax.TargetSymbol is not INamedTypeSymbol type || syntax.TargetNode is not TypeDeclarationSyntax declaration)
            return GenerationOutcome.Skipped;
        try
        {
            if (MilterSymbols.Resolve(syntax.SemanticModel.Compilation) is not { } symbols)
                return GenerationOutcome.Skipped;
            if (FilterRules.Blocks(FilterRules.Check(type, symbols, cancellationToken)))
            {
                // The analyzers report the same rules' errors; a placeholder keeps them the only ones (no CS0311 in Program.cs).
                return FilterRules.CanExtend(type, symbols)
                    ? new GenerationOutcome(null, null, Parser.Placeholder(type, declaration))
                    : GenerationOutcome.Skipped;
            }

            return new GenerationOutcome(Parser.Parse(type, declaration, symbols, cancellationToken), null);
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            return new GenerationOutcome(null, GeneratorFailure.Create(type, e));
        }
    }
}
