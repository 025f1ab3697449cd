using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace Milter.Analyzers.CodeFixes;

/// <summary>
/// MILTER017: declares on the method that hands the context out of sight the actions it may use. It writes every
/// change (what the generator requests meanwhile), for the author to trim to what the code really does.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UsesActionsCodeFix)), Shared]
public sealed class UsesActionsCodeFix : MilterCodeFix
{
    private const string EveryChange = "global::Milter.ActionFlags.AddHeaders | global::Milter.ActionFlags.ChangeHeaders"
        + " | global::Milter.ActionFlags.ChangeBody | global::Milter.ActionFlags.AddRecipients"
        + " | global::Milter.ActionFlags.AddRecipientsWithParameters | global::Milter.ActionFlags.DeleteRecipients"
        + " | global::Milter.ActionFlags.ChangeSender | global::Milter.ActionFlags.Quarantine";

    /// <summary>Creates the fix.</summary>
    public UsesActionsCodeFix()
        : base("MILTER017")
    {
    }

    private protected override Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        var owner = root.FindNode(context.Span).FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax);
        if (owner is null)
            return Task.CompletedTask;
        Offer(context, "Declare the actions with [UsesActions] (then keep only those it uses)", () =>
        {
            var attribute = SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::Milter.UsesActions"),
                SyntaxFactory.ParseAttributeArgumentList($"({EveryChange})")).WithAdditionalAnnotations(Simplifier.Annotation);
            var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute));
            SyntaxNode updated = owner switch
            {
                BaseMethodDeclarationSyntax method => method.AddAttributeLists(list),
                LocalFunctionStatementSyntax local => local.AddAttributeLists(list),
                _ => ((AccessorDeclarationSyntax)owner).AddAttributeLists(list),
            };
            return root.ReplaceNode(owner, updated.WithAdditionalAnnotations(Formatter.Annotation));
        });
        return Task.CompletedTask;
    }
}
