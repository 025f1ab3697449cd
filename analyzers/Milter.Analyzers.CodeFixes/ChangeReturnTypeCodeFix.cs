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

/// <summary>
/// MILTER002 on a return type: changes it to one the generator adapts: MilterVerdict (ValueTask&lt;MilterVerdict&gt; for
/// async methods), or void (ValueTask) for abort and close handlers, which cannot decide anything.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ChangeReturnTypeCodeFix)), Shared]
public sealed class ChangeReturnTypeCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("MILTER002");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var node = root?.FindNode(context.Span);
        if (node?.Parent is not MethodDeclarationSyntax method || method.ReturnType != node)
            return;

        var noVerdict = method.AttributeLists.SelectMany(l => l.Attributes)
            .Any(a => a.Name.ToString() is "OnAbort" or "OnAbortAttribute" or "OnClose" or "OnCloseAttribute" or "Milter.OnAbort" or "Milter.OnClose");
        var isAsync = method.Modifiers.Any(SyntaxKind.AsyncKeyword);
        var type = (noVerdict, isAsync) switch
        {
            (true, true) => "ValueTask",
            (true, false) => "void",
            (false, true) => "ValueTask<MilterVerdict>",
            _ => "MilterVerdict",
        };
        context.RegisterCodeFix(
            CodeAction.Create($"Return {type}", _ =>
            {
                var replacement = SyntaxFactory.ParseTypeName(type).WithTriviaFrom(method.ReturnType);
                return Task.FromResult(context.Document.WithSyntaxRoot(root!.ReplaceNode(method.ReturnType, replacement)));
            }, nameof(ChangeReturnTypeCodeFix)),
            context.Diagnostics);
    }
}
