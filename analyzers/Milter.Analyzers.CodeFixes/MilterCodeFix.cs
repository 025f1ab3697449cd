using System;
using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Milter.Analyzers.CodeFixes;

/// <summary>
/// What every Milter code fix shares: one diagnostic id, batch fix-all, the document's root, and fixes that replace
/// the root in one step. A fix decides only what to change.
/// </summary>
public abstract class MilterCodeFix : CodeFixProvider
{
    private protected MilterCodeFix(string diagnosticId) => FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);

    /// <inheritdoc />
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is not null)
            await RegisterAsync(context, root).ConfigureAwait(false);
    }

    /// <summary>Offers the fixes for the context's diagnostics, if the code has the expected shape.</summary>
    private protected abstract Task RegisterAsync(CodeFixContext context, SyntaxNode root);

    /// <summary>Offers one fix that turns the document's root into <paramref name="fix"/>'s result.</summary>
    private protected void Offer(CodeFixContext context, string title, Func<SyntaxNode> fix, Diagnostic? diagnostic = null)
    {
        var action = CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(fix())), GetType().Name);
        if (diagnostic is null)
            context.RegisterCodeFix(action, context.Diagnostics);
        else
            context.RegisterCodeFix(action, diagnostic);
    }
}
