using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Analyzers.CodeFixes;

/// <summary>MILTER013: <c>t.Result</c>, <c>t.Wait()</c> and <c>t.GetAwaiter().GetResult()</c> become <c>await t</c>; <c>Thread.Sleep(n)</c> becomes <c>await Task.Delay(n)</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitInsteadOfBlockingCodeFix)), Shared]
public sealed class AwaitInsteadOfBlockingCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("MILTER013");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span, getInnermostNodeForTie: true) is not ExpressionSyntax blocking)
            return;
        if (Awaited(blocking) is not { } replacement)
            return;
        context.RegisterCodeFix(
            CodeAction.Create("Await instead", _ =>
                Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(blocking, replacement.WithTriviaFrom(blocking)))), nameof(AwaitInsteadOfBlockingCodeFix)),
            context.Diagnostics);
    }

    private static ExpressionSyntax? Awaited(ExpressionSyntax blocking)
    {
        ExpressionSyntax? awaited = blocking switch
        {
            // task.Result
            MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Result" } result => result.Expression,
            // task.Wait() and task.GetAwaiter().GetResult()
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Wait" } wait } => wait.Expression,
            InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax
                {
                    Name.Identifier.ValueText: "GetResult",
                    Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } awaiter },
                },
            } => awaiter.Expression,
            // Thread.Sleep(n)
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Sleep" }, ArgumentList: var arguments } =>
                SyntaxFactory.InvocationExpression(SyntaxFactory.ParseExpression("Task.Delay"), arguments),
            _ => null,
        };
        return awaited is null ? null : SyntaxFactory.AwaitExpression(awaited.WithoutTrivia());
    }
}
