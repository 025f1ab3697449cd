using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Analyzers.CodeFixes;

/// <summary>
/// MILTER002 on a return type: changes it to one the generator adapts: MilterVerdict (ValueTask&lt;MilterVerdict&gt; for
/// async methods), or void (ValueTask) for abort and close handlers, which cannot decide anything.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ChangeReturnTypeCodeFix)), Shared]
public sealed class ChangeReturnTypeCodeFix : MilterCodeFix
{
    /// <summary>Creates the fix.</summary>
    public ChangeReturnTypeCodeFix()
        : base("MILTER002")
    {
    }

    private protected override Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        var node = root.FindNode(context.Span);
        if (node.Parent is not MethodDeclarationSyntax method || method.ReturnType != node)
            return Task.CompletedTask;

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
        Offer(context, $"Return {type}", () => root.ReplaceNode(method.ReturnType, SyntaxFactory.ParseTypeName(type).WithTriviaFrom(method.ReturnType)));
        return Task.CompletedTask;
    }
}
