using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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
public sealed class AsyncVoidCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("MILTER015");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span, getInnermostNodeForTie: true) is not TypeSyntax returnType)
            return;
        var declaration = returnType.Parent;
        if (declaration is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax))
            return;
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        var isHandler = model?.GetDeclaredSymbol(declaration, context.CancellationToken) is IMethodSymbol method
            && method.GetAttributes().Any(a => a.AttributeClass is { ContainingNamespace.Name: "Milter" } attribute
                && attribute.Name.StartsWith("On", System.StringComparison.Ordinal) && attribute.Name.EndsWith("Attribute", System.StringComparison.Ordinal));
        var task = isHandler ? "ValueTask" : "Task";
        context.RegisterCodeFix(
            CodeAction.Create($"Return async {task}", _ =>
            {
                var replacement = SyntaxFactory.ParseTypeName("global::System.Threading.Tasks." + task)
                    .WithTriviaFrom(returnType)
                    .WithAdditionalAnnotations(Simplifier.Annotation);
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(returnType, replacement)));
            }, nameof(AsyncVoidCodeFix)),
            context.Diagnostics);
    }
}
