using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Analyzers.CodeFixes;

/// <summary>MILTER008 when only the enhanced status code's class is wrong: <c>Reject(550, "4.7.1", …)</c> becomes <c>Reject(550, "5.7.1", …)</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EnhancedCodeClassCodeFix)), Shared]
public sealed class EnhancedCodeClassCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("MILTER008");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(VerdictAnalyzer.EnhancedClassProperty, out var digit) || digit is not { Length: 1 })
                continue;
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax call
                || call.ArgumentList.Arguments.ElementAtOrDefault(1)?.Expression is not LiteralExpressionSyntax literal
                || literal.Token.ValueText is not { Length: > 1 } text)
            {
                continue;
            }

            var fixedCode = digit + text.Substring(1);
            context.RegisterCodeFix(
                CodeAction.Create($"Use enhanced status code {fixedCode}", _ =>
                {
                    var replacement = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(fixedCode)).WithTriviaFrom(literal);
                    return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(literal, replacement)));
                }, nameof(EnhancedCodeClassCodeFix)),
                diagnostic);
        }
    }
}
