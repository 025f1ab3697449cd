using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Analyzers.CodeFixes;

/// <summary>MILTER013: <c>t.Result</c>, <c>t.Wait()</c> and <c>t.GetAwaiter().GetResult()</c> become <c>await t</c>; <c>Thread.Sleep(n)</c> becomes <c>await Task.Delay(n)</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitInsteadOfBlockingCodeFix)), Shared]
public sealed class AwaitInsteadOfBlockingCodeFix : MilterCodeFix
{
    /// <summary>Creates the fix.</summary>
    public AwaitInsteadOfBlockingCodeFix()
        : base("MILTER013")
    {
    }

    private protected override Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindNode(context.Span, getInnermostNodeForTie: true) is ExpressionSyntax blocking && Awaited(blocking) is { } replacement)
            Offer(context, "Await instead", () => root.ReplaceNode(blocking, replacement.WithTriviaFrom(blocking)));
        return Task.CompletedTask;
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
