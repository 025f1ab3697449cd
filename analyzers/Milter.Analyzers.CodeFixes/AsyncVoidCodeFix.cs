using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Milter.Analyzers.CodeFixes;

/// <summary>
/// MILTER015: an async void method or local function returns a task instead: ValueTask for a handler (the generator
/// awaits it and the step stays no-reply), Task for anything else (so its caller can await it).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidCodeFix)), Shared]
public sealed class AsyncVoidCodeFix : MilterCodeFix
{
    /// <summary>Creates the fix.</summary>
    public AsyncVoidCodeFix()
        : base("MILTER015")
    {
    }

    private protected override async Task RegisterAsync(CodeFixContext context, SyntaxNode root)
    {
        if (root.FindNode(context.Span, getInnermostNodeForTie: true) is not TypeSyntax { Parent: (MethodDeclarationSyntax or LocalFunctionStatementSyntax) and var declaration } returnType)
            return;

        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        var isHandler = model?.GetDeclaredSymbol(declaration, context.CancellationToken) is IMethodSymbol method
            && method.GetAttributes().Any(a => a.AttributeClass is { ContainingNamespace.Name: "Milter" } attribute
                && attribute.Name.StartsWith("On", System.StringComparison.Ordinal) && attribute.Name.EndsWith("Attribute", System.StringComparison.Ordinal));
        var task = isHandler ? "ValueTask" : "Task";
        Offer(context, $"Return async {task}", () => root.ReplaceNode(returnType,
            SyntaxFactory.ParseTypeName("global::System.Threading.Tasks." + task).WithTriviaFrom(returnType).WithAdditionalAnnotations(Simplifier.Annotation)));
    }
}
