using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Milter.Generators.Rules;

/// <summary>
/// Finds where the end-of-message context reaches code nobody can see, for the flow (which then assumes any change)
/// and for MILTER017 (which says where).
/// </summary>
internal sealed class ContextEscapes(MilterSymbols symbols, SourceImplementations implementations)
{
    /// <summary>
    /// Where the end-of-message context reaches code nobody can see (what MILTER017 reports), at one operation of
    /// <paramref name="owner"/>: a call into metadata with neither source nor [UsesActions], a delegate from such code,
    /// a dynamic call.
    /// </summary>
    public Escape? EscapeAt(IOperation operation, ISymbol owner)
    {
        switch (operation)
        {
            case IInvocationOperation call when symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType):
                return null;
            case IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } call:
                return call.Arguments.Any(symbols.PassesContext) && DelegateOrigin.Of(call).Untraced is { } origin
                    ? new Escape(call.Syntax.GetLocation(), $"the end-of-message context is passed to a delegate from {origin}, whose code the generator cannot trace", owner)
                    : null;
            case IInvocationOperation call:
                // A C# 14 extension member gets the context as its receiver, not as an argument.
                return CallEscape(call.TargetMethod, call, call.Arguments, owner, call.Instance is { } receiver && symbols.IsEndOfMessageContext(OperationValue.Unwrap(receiver).Type));
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                return CallEscape(constructor, creation, creation.Arguments, owner, false);
            case IDynamicInvocationOperation dynamic when dynamic.Arguments.Any(a => symbols.IsEndOfMessageContext(OperationValue.Unwrap(a).Type)):
                return new Escape(dynamic.Syntax.GetLocation(), "the end-of-message context is passed through a dynamic call", owner);
            default:
                return null;
        }
    }

    private Escape? CallEscape(IMethodSymbol called, IOperation at, ImmutableArray<IArgumentOperation> arguments, ISymbol owner, bool contextIsReceiver)
    {
        var target = SourceBodies.Definition(called);
        if (!(contextIsReceiver || arguments.Any(symbols.PassesContext)) || symbols.DeclaredActions(target) is not null || SourceBodies.HasSource(target) || implementations.Of(target).Any())
            return null;
        var what = target.MethodKind == MethodKind.Constructor ? $"the constructor of '{target.ContainingType.Name}'" : $"'{target.ContainingType.Name}.{target.Name}'";
        return new Escape(at.Syntax.GetLocation(), $"{what} receives the end-of-message context, and its code is not in this compilation", owner);
    }
}
