using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Milter.Analyzers.CodeFixes;

/// <summary>
/// MILTER017: declares on the method that hands the context out of sight the actions it may use. It writes every
/// change (what the generator requests meanwhile), for the author to trim to what the code really does.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UsesActionsCodeFix)), Shared]
public sealed class UsesActionsCodeFix : CodeFixProvider
{
    private const string EveryChange = "global::Milter.Protocol.ActionFlags.AddHeaders | global::Milter.Protocol.ActionFlags.ChangeHeaders"
        + " | global::Milter.Protocol.ActionFlags.ChangeBody | global::Milter.Protocol.ActionFlags.AddRecipients"
        + " | global::Milter.Protocol.ActionFlags.AddRecipientsWithParameters | global::Milter.Protocol.ActionFlags.DeleteRecipients"
        + " | global::Milter.Protocol.ActionFlags.ChangeSender | global::Milter.Protocol.ActionFlags.Quarantine";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("MILTER017");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var owner = root?.FindNode(context.Span).FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax);
        if (root is null || owner is null)
            return;
        context.RegisterCodeFix(
            CodeAction.Create("Declare the actions with [UsesActions] (then keep only those it uses)", _ =>
            {
                var attribute = SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::Milter.UsesActions"),
                    SyntaxFactory.ParseAttributeArgumentList($"({EveryChange})")).WithAdditionalAnnotations(Simplifier.Annotation);
                var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute));
                SyntaxNode updated = owner switch
                {
                    BaseMethodDeclarationSyntax method => method.AddAttributeLists(list),
                    LocalFunctionStatementSyntax local => local.AddAttributeLists(list),
                    AccessorDeclarationSyntax accessor => accessor.AddAttributeLists(list),
                    _ => owner,
                };
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(owner, updated.WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation))));
            }, nameof(UsesActionsCodeFix)),
            context.Diagnostics);
    }
}
