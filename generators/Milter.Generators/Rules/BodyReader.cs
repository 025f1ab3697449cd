using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Milter.Generators.Rules;

/// <summary>
/// Reads one body into its <see cref="BodyFacts"/>: the changes it makes on a context, the envelope data it reads,
/// where the context escapes, and every body it leads to (calls, overrides, implicit calls, initializers), which
/// <see cref="ContextFlow"/> walks on. Stateless, so thread-safe.
/// </summary>
internal sealed class BodyReader(MilterSymbols symbols, SourceBodies bodies, SourceImplementations implementations, ContextEscapes escapes)
{
    /// <summary>Reads one body: a method's code, or a type's field and property initializers.</summary>
    public BodyFacts Read(ISymbol body, CancellationToken cancellationToken)
    {
        var facts = new BodyFacts(body is IMethodSymbol declaring && symbols.DeclaredActions(declaring) is not null);
        try
        {
            foreach (var operation in bodies.BodiesOf(body, cancellationToken))
            {
                foreach (var op in operation.DescendantsAndSelf())
                    Read(op, body, facts);
            }
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            // Syntax or symbols this version has not met: take the safe side (every change, optionally) and say where.
            var where = body.Locations.FirstOrDefault() ?? Location.None;
            facts.Escapes.Add(new Escape(where, $"the generator could not read the code of '{body.Name}' ({e.GetType().Name}), so it assumes any change", body));
        }

        return facts;
    }

    private void Read(IOperation op, ISymbol body, BodyFacts facts)
    {
        if (escapes.EscapeAt(op, body) is { } escape)
            facts.Escapes.Add(escape);
        // A member of a source type: the type's initializers and static constructors run before it (delegate tables live there).
        if (op is IMemberReferenceOperation { Member.ContainingType: { } memberType })
            ReachType(memberType, facts);
        else if (op is IInvocationOperation { TargetMethod: { IsStatic: true, ContainingType: { } staticType } })
            ReachType(staticType, facts);
        switch (op)
        {
            case IInvocationOperation call when symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType):
                facts.Actions |= ContextChanges.ActionOfChange(call);
                break;
            case IMethodReferenceOperation group when symbols.IsEndOfMessageContext(group.Method.ContainingType):
                facts.Actions |= ContextChanges.ActionOfMethodGroup(group.Method);
                break;
            case IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } call:
                // Delegates kept in a member are usually set by its type's initializers and constructors.
                if (call.Arguments.Any(symbols.PassesContext) && DelegateOrigin.Of(call).Member is { } owner)
                {
                    facts.Next.Add(owner.OriginalDefinition);
                    facts.Next.AddRange(owner.InstanceConstructors.Concat(owner.StaticConstructors).Where(SourceBodies.HasSource));
                }

                break;
            case IInvocationOperation call:
                Follow(call.TargetMethod, facts);
                break;
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                Follow(constructor, facts);
                ReachType(constructor.ContainingType, facts);
                // An object that keeps the context (or a delegate) may use it from any member, implicitly called ones too.
                if (creation.Arguments.Any(a => symbols.PassesContext(a) || OperationValue.IsDelegate(a.Value)))
                    FollowAllMembers(constructor.ContainingType, facts);
                break;
            case ISimpleAssignmentOperation { Target: IMemberReferenceOperation target } assignment
                when symbols.IsEndOfMessageContext(OperationValue.Unwrap(assignment.Value).Type) || OperationValue.IsDelegate(assignment.Value):
                FollowAllMembers(target.Member.ContainingType, facts);
                break;
            case IUsingOperation or IUsingDeclarationOperation or IForEachLoopOperation or IDeconstructionAssignmentOperation or IAwaitOperation:
                FollowImplicitCalls(op, facts);
                break;
            case IMethodReferenceOperation reference:
                Follow(reference.Method, facts);
                break;
            case IPropertyReferenceOperation property:
                facts.ReadsSteps |= EnvelopeStep(property.Property);
                foreach (var accessor in new[] { property.Property.GetMethod, property.Property.SetMethod })
                {
                    if (accessor is not null)
                        Follow(accessor, facts);
                }

                break;
            case IEventAssignmentOperation { EventReference: IEventReferenceOperation e } assignment:
                if ((assignment.Adds ? e.Event.AddMethod : e.Event.RemoveMethod) is { } eventAccessor)
                    Follow(eventAccessor, facts);
                break;
            case IBinaryOperation { OperatorMethod: { } method }:
                Follow(method, facts);
                break;
            case IUnaryOperation { OperatorMethod: { } method }:
                Follow(method, facts);
                break;
            case IConversionOperation { OperatorMethod: { } method }:
                Follow(method, facts);
                break;
        }
    }

    /// <summary>Follows a call into source (and every source override or implementation), and takes what the callee declares.</summary>
    private void Follow(IMethodSymbol called, BodyFacts facts)
    {
        var target = SourceBodies.Definition(called);
        facts.Actions |= symbols.DeclaredActions(target) ?? 0;
        if (SourceBodies.HasSource(target))
            facts.Next.Add(target);
        facts.Next.AddRange(implementations.Of(target));
    }

    /// <summary>The step that fills an envelope property of a context (Sender: MAIL, Recipients: RCPT), or 0.</summary>
    private int EnvelopeStep(IPropertySymbol property)
    {
        if (!symbols.IsEndOfMessageContext(property.ContainingType) && property.ContainingType.ToDisplayString() != KnownNames.MilterContext)
            return 0;
        return property.Name switch
        {
            "Sender" => KnownNames.StepOf(Milter.Generators.Model.MilterEvent.Mail),
            "Recipients" => KnownNames.StepOf(Milter.Generators.Model.MilterEvent.Rcpt),
            _ => 0,
        };
    }

    /// <summary>A source type is in use: read its initializers and static constructors.</summary>
    private static void ReachType(INamedTypeSymbol type, BodyFacts facts)
    {
        type = type.OriginalDefinition;
        if (type.DeclaringSyntaxReferences.Length == 0)
            return;
        facts.Next.Add(type);
        facts.Next.AddRange(type.StaticConstructors.Where(SourceBodies.HasSource));
    }

    /// <summary>
    /// Every member with code of a source type and its source base types: what C# may call on it without a call in
    /// the text (Dispose, DisposeAsync, GetEnumerator, MoveNext, Current, Deconstruct, GetAwaiter, GetResult…), and
    /// what may use a context or delegate it keeps. The types those members return are followed one level on, for
    /// enumerators and awaiters.
    /// </summary>
    private void FollowAllMembers(ITypeSymbol? type, BodyFacts facts, int depth = 0)
    {
        for (var current = type as INamedTypeSymbol; current is not null && current.DeclaringSyntaxReferences.Length > 0; current = current.BaseType)
        {
            ReachType(current, facts);
            foreach (var method in current.OriginalDefinition.GetMembers().SelectMany(SourceBodies.CodeOf))
            {
                Follow(method, facts);
                if (depth == 0 && method.MethodKind == MethodKind.Ordinary && method.Name is "GetEnumerator" or "GetAsyncEnumerator" or "GetAwaiter")
                    FollowAllMembers(method.ReturnType, facts, depth + 1);
            }
        }
    }

    /// <summary>The implicit calls C# makes for a statement or expression (using, foreach, deconstruction, await): every member of the source type it works on.</summary>
    private void FollowImplicitCalls(IOperation op, BodyFacts facts)
    {
        var value = op switch
        {
            IUsingOperation usingStatement => usingStatement.Resources,
            IUsingDeclarationOperation declaration => declaration.DeclarationGroup,
            IForEachLoopOperation loop => loop.Collection,
            IDeconstructionAssignmentOperation deconstruction => deconstruction.Value,
            IAwaitOperation awaited => awaited.Operation,
            _ => null,
        };
        if (value is null)
            return;
        if (value is IVariableDeclarationGroupOperation group)
        {
            foreach (var declarator in group.Declarations.SelectMany(d => d.Declarators))
                FollowAllMembers(declarator.Symbol.Type, facts);
            return;
        }

        FollowAllMembers(OperationValue.Unwrap(value).Type, facts);
    }
}
