using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Analyzers.CodeFixes;

/// <summary>MILTER001: adds <c>partial</c> to the filter class and to every type that contains it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : MilterCodeFix
{
    /// <summary>Creates the fix.</summary>
    public MakePartialCodeFix()
        : base("MILTER001")
    {
    }

    private protected override Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindToken(context.Span.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } declaration)
            Offer(context, "Make partial", () => MakePartial(root, declaration));
        return Task.CompletedTask;
    }

    private static SyntaxNode MakePartial(SyntaxNode root, TypeDeclarationSyntax declaration)
    {
        var types = declaration.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).ToList();
        return root.ReplaceNodes(types, (_, rewritten) =>
        {
            // partial goes last among the modifiers, right before the keyword.
            var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            if (rewritten.Modifiers.Count == 0)
            {
                partial = partial.WithLeadingTrivia(rewritten.Keyword.LeadingTrivia);
                return rewritten.WithKeyword(rewritten.Keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
            }

            return rewritten.WithModifiers(rewritten.Modifiers.Add(partial));
        });
    }
}
