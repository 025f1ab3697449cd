using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Generators;

/// <summary>
/// Completes every <c>[MailFilter]</c> partial class: a reflection-free IMilterHandler implementation, a
/// factory, and the negotiation description worked out at compile time.
/// </summary>
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
                static (syntax, cancellationToken) => ParseSafely(syntax, cancellationToken))
            .Where(static spec => spec is not null)
            .WithTrackingName(FiltersStep);

        context.RegisterSourceOutput(filters, static (output, spec) => output.AddSource(spec!.HintName, Emitter.Emit(spec)));
    }

    /// <summary>The generator never throws into the compiler: a class it cannot understand gets no code, and the analyzers say why.</summary>
    private static Model.FilterSpec? ParseSafely(GeneratorAttributeSyntaxContext syntax, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return Parser.Parse(syntax, cancellationToken);
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            return null;
        }
    }
}
