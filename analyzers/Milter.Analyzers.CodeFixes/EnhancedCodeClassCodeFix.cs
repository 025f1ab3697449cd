using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Analyzers.CodeFixes;

/// <summary>MILTER008 when only the enhanced status code's class is wrong: <c>Reject(550, "4.7.1", …)</c> becomes <c>Reject(550, "5.7.1", …)</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EnhancedCodeClassCodeFix)), Shared]
public sealed class EnhancedCodeClassCodeFix : MilterCodeFix
{
    /// <summary>Creates the fix.</summary>
    public EnhancedCodeClassCodeFix()
        : base("MILTER008")
    {
    }

    private protected override Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(VerdictAnalyzer.EnhancedClassProperty, out var digit) || digit is not { Length: 1 }
                || diagnostic.AdditionalLocations.FirstOrDefault() is not { } where
                || root.FindNode(where.SourceSpan, getInnermostNodeForTie: true) is not LiteralExpressionSyntax literal
                || literal.Token.ValueText is not { Length: > 1 } text)
            {
                continue;
            }

            var fixedCode = digit + text.Substring(1);
            Offer(context, $"Use enhanced status code {fixedCode}", () => root.ReplaceNode(literal,
                SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(fixedCode)).WithTriviaFrom(literal)), diagnostic);
        }

        return Task.CompletedTask;
    }
}
