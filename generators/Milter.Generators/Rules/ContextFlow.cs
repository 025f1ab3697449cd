using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Milter.Generators.Rules;

/// <summary>
/// Which message changes code can make on an end-of-message context. A change needs an object of type
/// EndOfMessageContext, which the runtime hands only to the end-of-message handler; from there it can go wherever
/// code carries it. So this counts every change written anywhere in the code a filter reaches, and reaches code
/// generously: soundness is the floor, precision the bonus.
/// </summary>
/// <remarks>
/// <para>What is positively understood, and followed:</para>
/// <list type="bullet">
/// <item>a call on the context (its action), and a context method used as a method group (its action, wherever the delegate runs);</item>
/// <item>calls, constructors, property and indexer accessors, event accessors, operators and conversions into source in the compilation,
/// with every source override and implementation of a virtual or interface member, and C# 14 extension members;</item>
/// <item>lambdas, local functions and their method groups, read with the body they are written in, wherever they end up;</item>
/// <item>a member of a source type read or called: that type's field and property initializers and static constructors, where delegate tables are filled;</item>
/// <item>what C# calls implicitly: <c>using</c>/<c>await using</c>, <c>foreach</c>, deconstruction and <c>await</c> on a source type run its members, so all of them are followed;</item>
/// <item>an object that receives the context or a delegate at construction, or a type whose member is assigned one: every member of that type, since any may use what it keeps;</item>
/// <item>code outside the compilation: what its [UsesActions] declares.</item>
/// </list>
/// <para>
/// Everything else that carries the context out of sight (a call into metadata without [UsesActions] that receives
/// it, a delegate from such code, a dynamic call, a body the generator fails to read) is an escape: the filter asks
/// for every change the MTA offers, optionally, and MILTER017 says where.
/// </para>
/// <para>One instance per compilation; thread-safe, with each method body read once.</para>
/// </remarks>
internal sealed class ContextFlow
{
    private readonly MilterSymbols _symbols;
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly ConcurrentDictionary<ISymbol, BodyFacts> _facts = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, uint> _reachable = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, uint> _kept = new(SymbolEqualityComparer.Default);
    private ImmutableArray<INamedTypeSymbol> _sourceTypes;

    public ContextFlow(MilterSymbols symbols) => _symbols = symbols;

    /// <summary>What the code of a filter class, and all it calls, can do at end of message.</summary>
    public FlowResult ForFilter(INamedTypeSymbol filter, CancellationToken cancellationToken)
    {
        var roots = new List<ISymbol> { filter };
        roots.AddRange(filter.GetMembers().OfType<IMethodSymbol>());
        return Walk(roots, cancellationToken);
    }

    /// <summary>The actions (and <see cref="KnownNames.Progress"/>) a method and all it calls can use.</summary>
    public uint ActionsReachableFrom(IMethodSymbol method, CancellationToken cancellationToken)
    {
        method = Definition(method);
        if (_reachable.TryGetValue(method, out var known))
            return known;
        var roots = new List<ISymbol>(Implementations(method));
        if (HasSource(method))
            roots.Add(method);
        var actions = (_symbols.DeclaredActions(method) ?? 0) | (roots.Count > 0 ? Walk(roots, cancellationToken).Actions : 0);
        return _reachable[method] = actions;
    }

    /// <summary>
    /// The changes the delegates stored in a field or property can make: every value the code of its type assigns
    /// to it (initializer, assignment, <c>??=</c>, <c>+=</c>), read with the code it calls.
    /// </summary>
    public uint ActionsOfDelegatesKeptIn(ISymbol member, CancellationToken cancellationToken)
    {
        member = member.OriginalDefinition;
        if (_kept.TryGetValue(member, out var known))
            return known;
        uint actions = 0;
        var type = member.ContainingType;
        var bodies = new List<ISymbol> { type };
        bodies.AddRange(type.GetMembers().SelectMany(CodeOf).Where(HasSource));
        foreach (var body in bodies)
        {
            foreach (var root in BodiesOf(body, cancellationToken))
            {
                foreach (var op in root.DescendantsAndSelf())
                {
                    var value = op switch
                    {
                        IAssignmentOperation { Target: IMemberReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Member.OriginalDefinition, member) => assignment.Value,
                        ISymbolInitializerOperation initializer when InitializedSymbols(initializer).Contains(member, SymbolEqualityComparer.Default) => initializer.Value,
                        _ => null,
                    };
                    if (value is not null)
                        actions |= ActionsOfCode(value, cancellationToken);
                }
            }
        }

        return _kept[member] = actions;
    }

    /// <summary>The changes a piece of code (a lambda, a method group, an expression) makes, with what it calls.</summary>
    private uint ActionsOfCode(IOperation code, CancellationToken cancellationToken)
    {
        uint actions = 0;
        foreach (var op in code.DescendantsAndSelf())
        {
            actions |= op switch
            {
                IInvocationOperation call when _symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType) => ActionOfChange(call),
                IMethodReferenceOperation group when _symbols.IsEndOfMessageContext(group.Method.ContainingType) => ActionOfMethodGroup(group.Method),
                IInvocationOperation { TargetMethod.MethodKind: not (MethodKind.LocalFunction or MethodKind.AnonymousFunction or MethodKind.DelegateInvoke) } call => ActionsReachableFrom(call.TargetMethod, cancellationToken),
                IMethodReferenceOperation reference => ActionsReachableFrom(reference.Method, cancellationToken),
                IObjectCreationOperation { Constructor: { } constructor } => ActionsReachableFrom(constructor, cancellationToken),
                _ => 0,
            };
        }

        return actions;
    }

    private static IEnumerable<ISymbol> InitializedSymbols(ISymbolInitializerOperation initializer) => initializer switch
    {
        IFieldInitializerOperation field => field.InitializedFields.Select(f => (ISymbol)f.OriginalDefinition),
        IPropertyInitializerOperation property => property.InitializedProperties.Select(p => (ISymbol)p.OriginalDefinition),
        _ => Enumerable.Empty<ISymbol>(),
    };

    /// <summary>The actions a direct call on EndOfMessageContext needs, or 0 when it is not a change.</summary>
    public static uint ActionOfChange(IInvocationOperation call)
    {
        var name = call.TargetMethod.Name;
        if (name != "AddRecipient")
            return KnownNames.ActionOf(name);
        // Without ESMTP arguments ADDRCPT, with them ADDRCPT_PAR; a value not known at compile time may be either.
        // Found by parameter name: named arguments may come in any order.
        var esmtp = call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 1);
        if (esmtp is null || esmtp.IsImplicit)
            return 0x004;
        return Unwrap(esmtp.Value).ConstantValue switch
        {
            { HasValue: true, Value: null } => 0x004,
            { HasValue: true, Value: string { Length: 0 } } => 0x004,
            { HasValue: true } => KnownNames.AddRecipientsWithParameters,
            _ => 0x004 | KnownNames.AddRecipientsWithParameters,
        };
    }

    /// <summary>The actions a context method used as a method group needs: whoever invokes the delegate picks the arguments.</summary>
    public static uint ActionOfMethodGroup(IMethodSymbol method) =>
        method.Name == "AddRecipient" ? 0x004 | KnownNames.AddRecipientsWithParameters : KnownNames.ActionOf(method.Name);

    /// <summary>The method to look at for a call target: the definition of a generic or extension method, the implementation of a partial one.</summary>
    public static IMethodSymbol Definition(IMethodSymbol method)
    {
        method = (method.ReducedFrom ?? method).OriginalDefinition;
        return method.PartialImplementationPart ?? method;
    }

    /// <summary>Whether the method's code is in this compilation.</summary>
    public static bool HasSource(IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.Length > 0 && !method.IsAbstract && method.MethodKind != MethodKind.DelegateInvoke;

    /// <summary>Looks through implicit conversions and parentheses.</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation { IsImplicit: true } conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                default:
                    return operation;
            }
        }
    }

    /// <summary>
    /// Whether an argument carries an end-of-message context into a parameter declared as one. A generic parameter
    /// (List&lt;T&gt;.Add) does not count: such code cannot call the context's methods. A delegate's does: its type
    /// arguments are the signature of the code it runs.
    /// </summary>
    public bool PassesContext(IArgumentOperation argument) =>
        _symbols.IsEndOfMessageContext(Unwrap(argument.Value).Type)
        && (argument.Parameter is null || _symbols.IsEndOfMessageContext(
            argument.Parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.DelegateInvoke } ? argument.Parameter.Type : argument.Parameter.OriginalDefinition.Type));

    private FlowResult Walk(IEnumerable<ISymbol> roots, CancellationToken cancellationToken)
    {
        // A body reached below a method with [UsesActions] is covered by that declaration: its escapes do not count.
        var visited = new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
        var queue = new Queue<(ISymbol Body, bool Covered)>();
        foreach (var root in roots)
        {
            visited[root] = false;
            queue.Enqueue((root, false));
        }

        uint actions = 0;
        var reads = 0;
        var escapes = ImmutableArray.CreateBuilder<Escape>();
        while (queue.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (body, covered) = queue.Dequeue();
            var facts = FactsOf(body, cancellationToken);
            actions |= facts.Actions;
            reads |= facts.ReadsSteps;
            covered |= facts.Declares;
            if (!covered)
                escapes.AddRange(facts.Escapes);
            foreach (var next in facts.Next)
            {
                // Visit again only to lift a "covered" visit to an uncovered one.
                if (visited.TryGetValue(next, out var wasCovered) && (!wasCovered || covered))
                    continue;
                visited[next] = covered;
                queue.Enqueue((next, covered));
            }
        }

        return new FlowResult(actions, escapes.ToImmutable(), reads);
    }

    private BodyFacts FactsOf(ISymbol body, CancellationToken cancellationToken) =>
        _facts.TryGetValue(body, out var facts) ? facts : _facts.GetOrAdd(body, Collect(body, cancellationToken));

    /// <summary>Reads one body: a method's code, or a type's field and property initializers.</summary>
    private BodyFacts Collect(ISymbol body, CancellationToken cancellationToken)
    {
        var facts = new BodyFacts(body is IMethodSymbol declaring && _symbols.DeclaredActions(declaring) is not null);
        try
        {
            foreach (var operation in BodiesOf(body, cancellationToken))
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

    /// <summary>The operation trees of a body: a method's code (each part of a partial one), or a type's field and property initializers.</summary>
    public IEnumerable<IOperation> BodiesOf(ISymbol body, CancellationToken cancellationToken)
    {
        foreach (var reference in body.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax(cancellationToken);
            var model = Model(syntax.SyntaxTree);
            if (body is INamedTypeSymbol)
            {
                if (syntax is not TypeDeclarationSyntax type)
                    continue;
                foreach (var member in type.Members)
                {
                    var initializers = member switch
                    {
                        FieldDeclarationSyntax field => field.Declaration.Variables.Select(v => (SyntaxNode?)v.Initializer),
                        PropertyDeclarationSyntax property => new SyntaxNode?[] { property.Initializer },
                        _ => Enumerable.Empty<SyntaxNode?>(),
                    };
                    foreach (var initializer in initializers)
                    {
                        if (initializer is not null && model.GetOperation(initializer, cancellationToken) is { } operation)
                            yield return operation;
                    }
                }
            }
            else if (syntax is not TypeDeclarationSyntax && model.GetOperation(syntax, cancellationToken) is { } operation)
            {
                yield return operation;
            }
        }
    }

#pragma warning disable RS1030 // The flow follows calls into other files, so it needs their models; the generator and the analyzers must read the same code.
    private SemanticModel Model(SyntaxTree tree) => _models.GetOrAdd(tree, t => _symbols.Compilation.GetSemanticModel(t));
#pragma warning restore RS1030

    private void Read(IOperation op, ISymbol body, BodyFacts facts)
    {
        if (EscapeAt(op, body) is { } escape)
            facts.Escapes.Add(escape);
        // A member of a source type: the type's initializers and static constructors run before it (delegate tables live there).
        if (op is IMemberReferenceOperation { Member.ContainingType: { } memberType })
            ReachType(memberType, facts);
        else if (op is IInvocationOperation { TargetMethod: { IsStatic: true, ContainingType: { } staticType } })
            ReachType(staticType, facts);
        switch (op)
        {
            case IInvocationOperation call when _symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType):
                facts.Actions |= ActionOfChange(call);
                break;
            case IMethodReferenceOperation group when _symbols.IsEndOfMessageContext(group.Method.ContainingType):
                facts.Actions |= ActionOfMethodGroup(group.Method);
                break;
            case IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } call:
                // Delegates kept in a member are usually set by its type's initializers and constructors.
                if (call.Arguments.Any(PassesContext) && DelegateSource(call).Member is { } owner)
                {
                    facts.Next.Add(owner.OriginalDefinition);
                    facts.Next.AddRange(owner.InstanceConstructors.Concat(owner.StaticConstructors).Where(HasSource));
                }

                break;
            case IInvocationOperation call:
                Follow(call.TargetMethod, facts);
                break;
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                Follow(constructor, facts);
                ReachType(constructor.ContainingType, facts);
                // An object that keeps the context (or a delegate) may use it from any member, implicitly called ones too.
                if (creation.Arguments.Any(a => PassesContext(a) || IsDelegate(a.Value)))
                    FollowAllMembers(constructor.ContainingType, facts);
                break;
            case ISimpleAssignmentOperation { Target: IMemberReferenceOperation target } assignment
                when _symbols.IsEndOfMessageContext(Unwrap(assignment.Value).Type) || IsDelegate(assignment.Value):
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

    /// <summary>
    /// Where the end-of-message context reaches code nobody can see (what MILTER017 reports), at one operation of
    /// <paramref name="owner"/>: a call into metadata with neither source nor [UsesActions], a delegate from such code,
    /// a dynamic call.
    /// </summary>
    public Escape? EscapeAt(IOperation operation, ISymbol owner)
    {
        switch (operation)
        {
            case IInvocationOperation call when _symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType):
                return null;
            case IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } call:
                return call.Arguments.Any(PassesContext) && DelegateSource(call).Untraced is { } origin
                    ? new Escape(call.Syntax.GetLocation(), $"the end-of-message context is passed to a delegate from {origin}, whose code the generator cannot trace", owner)
                    : null;
            case IInvocationOperation call:
                // A C# 14 extension member gets the context as its receiver, not as an argument.
                return CallEscape(call.TargetMethod, call, call.Arguments, owner, call.Instance is { } receiver && _symbols.IsEndOfMessageContext(Unwrap(receiver).Type));
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                return CallEscape(constructor, creation, creation.Arguments, owner, false);
            case IDynamicInvocationOperation dynamic when dynamic.Arguments.Any(a => _symbols.IsEndOfMessageContext(Unwrap(a).Type)):
                return new Escape(dynamic.Syntax.GetLocation(), "the end-of-message context is passed through a dynamic call", owner);
            default:
                return null;
        }
    }

    /// <summary>Follows a call into source (and every source override or implementation), and takes what the callee declares.</summary>
    private void Follow(IMethodSymbol called, BodyFacts facts)
    {
        var target = Definition(called);
        facts.Actions |= _symbols.DeclaredActions(target) ?? 0;
        if (HasSource(target))
            facts.Next.Add(target);
        facts.Next.AddRange(Implementations(target));
    }

    /// <summary>The step that fills an envelope property of a context (Sender: MAIL, Recipients: RCPT), or 0.</summary>
    private int EnvelopeStep(IPropertySymbol property)
    {
        if (!_symbols.IsEndOfMessageContext(property.ContainingType) && property.ContainingType.ToDisplayString() != KnownNames.MilterContext)
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
        facts.Next.AddRange(type.StaticConstructors.Where(HasSource));
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
            foreach (var method in current.OriginalDefinition.GetMembers().SelectMany(CodeOf))
            {
                Follow(method, facts);
                if (depth == 0 && method.MethodKind == MethodKind.Ordinary && method.Name is "GetEnumerator" or "GetAsyncEnumerator" or "GetAwaiter")
                    FollowAllMembers(method.ReturnType, facts, depth + 1);
            }
        }
    }

    /// <summary>The methods that hold a member's code: the method itself, a property's or an event's accessors.</summary>
    private static IEnumerable<IMethodSymbol> CodeOf(ISymbol member)
    {
        var methods = member switch
        {
            IMethodSymbol method => new[] { method },
            IPropertySymbol property => new[] { property.GetMethod, property.SetMethod },
            IEventSymbol e => new[] { e.AddMethod, e.RemoveMethod },
            _ => System.Array.Empty<IMethodSymbol?>(),
        };
        return methods.OfType<IMethodSymbol>();
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

        FollowAllMembers(Unwrap(value).Type, facts);
    }

    /// <summary>Whether a value is a delegate (a lambda, a method group, a delegate-typed expression).</summary>
    private static bool IsDelegate(IOperation value) => value.Type?.TypeKind == TypeKind.Delegate || Unwrap(value).Type?.TypeKind == TypeKind.Delegate;

    private Escape? CallEscape(IMethodSymbol called, IOperation at, ImmutableArray<IArgumentOperation> arguments, ISymbol owner, bool contextIsReceiver)
    {
        var target = Definition(called);
        if (!(contextIsReceiver || arguments.Any(PassesContext)) || _symbols.DeclaredActions(target) is not null || HasSource(target) || Implementations(target).Any())
            return null;
        var what = target.MethodKind == MethodKind.Constructor ? $"the constructor of '{target.ContainingType.Name}'" : $"'{target.ContainingType.Name}.{target.Name}'";
        return new Escape(at.Syntax.GetLocation(), $"{what} receives the end-of-message context, and its code is not in this compilation", owner);
    }

    /// <summary>
    /// Where a delegate that receives the context comes from: <c>Untraced</c> names code the flow cannot read;
    /// <c>Member</c> is the source type whose field or property holds it. Both null when the flow reads it anyway
    /// (lambdas and method groups in code the flow reads are read with it, wherever they end up).
    /// </summary>
    private static (string? Untraced, INamedTypeSymbol? Member) DelegateSource(IInvocationOperation call)
    {
        var instance = call.Instance is null ? null : Unwrap(call.Instance);
        if (instance is IConditionalAccessInstanceOperation)
        {
            for (var parent = call.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is IConditionalAccessOperation access)
                {
                    instance = Unwrap(access.Operation);
                    break;
                }
            }
        }

        return instance switch
        {
            ILocalReferenceOperation or IParameterReferenceOperation => (null, null),
            IMemberReferenceOperation member when member.Member.ContainingType.DeclaringSyntaxReferences.Length > 0 => (null, member.Member.ContainingType),
            IMemberReferenceOperation member => ($"'{member.Member.ContainingType.Name}.{member.Member.Name}'", null),
            IInvocationOperation source when HasSource(Definition(source.TargetMethod)) => (null, null),
            IInvocationOperation other => ($"'{other.TargetMethod.ContainingType.Name}.{other.TargetMethod.Name}'", null),
            _ => ("an expression", null),
        };
    }

    /// <summary>Every source override of a virtual method, and every source implementation of an interface method.</summary>
    private IEnumerable<IMethodSymbol> Implementations(IMethodSymbol method)
    {
        var owner = method.ContainingType;
        var isInterface = owner.TypeKind == TypeKind.Interface;
        if (!isInterface && !method.IsVirtual && !method.IsAbstract && !method.IsOverride)
            yield break;
        foreach (var type in SourceTypes())
        {
            if (isInterface)
            {
                foreach (var face in type.AllInterfaces)
                {
                    if (!SymbolEqualityComparer.Default.Equals(face.OriginalDefinition, owner.OriginalDefinition))
                        continue;
                    var member = face.GetMembers(method.Name).FirstOrDefault(m => SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, method));
                    if (member is not null && type.FindImplementationForInterfaceMember(member) is IMethodSymbol implementation
                        && HasSource(Definition(implementation)))
                    {
                        yield return Definition(implementation);
                    }
                }
            }
            else
            {
                foreach (var candidate in type.GetMembers(method.Name).OfType<IMethodSymbol>())
                {
                    for (var overridden = candidate.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
                    {
                        if (SymbolEqualityComparer.Default.Equals(overridden.OriginalDefinition, method))
                        {
                            if (HasSource(candidate))
                                yield return Definition(candidate);
                            break;
                        }
                    }
                }
            }
        }
    }

    private ImmutableArray<INamedTypeSymbol> SourceTypes()
    {
        if (_sourceTypes.IsDefault)
        {
            var types = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
            var namespaces = new Stack<INamespaceOrTypeSymbol>();
            namespaces.Push(_symbols.Compilation.Assembly.GlobalNamespace);
            while (namespaces.Count > 0)
            {
                foreach (var member in namespaces.Pop().GetMembers())
                {
                    if (member is INamedTypeSymbol type)
                    {
                        if (type.TypeKind is TypeKind.Class or TypeKind.Struct or TypeKind.Interface)
                            types.Add(type);
                        namespaces.Push(type);
                    }
                    else if (member is INamespaceSymbol ns)
                    {
                        namespaces.Push(ns);
                    }
                }
            }

            ImmutableInterlocked.InterlockedInitialize(ref _sourceTypes, types.ToImmutable());
        }

        return _sourceTypes;
    }

    /// <summary>What one body does directly.</summary>
    private sealed class BodyFacts(bool declares)
    {
        /// <summary>Changes made on a context here, and actions declared by the code it calls.</summary>
        public uint Actions;

        /// <summary>The envelope steps whose data the code reads (Sender, Recipients), as <see cref="KnownNames.StepOf"/> bits.</summary>
        public int ReadsSteps;

        /// <summary>The method carries [UsesActions]: what it and everything below it does is declared.</summary>
        public bool Declares { get; } = declares;

        public List<ISymbol> Next { get; } = new();

        public List<Escape> Escapes { get; } = new();
    }
}

/// <summary>What a flow found: the actions, and where the context went out of sight.</summary>
internal sealed class FlowResult(uint actions, ImmutableArray<Escape> escapes, int readsSteps)
{
    /// <summary>The envelope steps whose data the code reads: without them negotiated, Sender and Recipients stay empty.</summary>
    public int ReadsSteps { get; } = readsSteps;

    /// <summary>Action flags, with <see cref="KnownNames.Progress"/> when progress is sent.</summary>
    public uint Actions { get; } = actions;

    public ImmutableArray<Escape> Escapes { get; } = escapes;
}

/// <summary>A place where the end-of-message context reaches code the flow cannot read.</summary>
/// <param name="Location">The call.</param>
/// <param name="Reason">Why, in words, for the diagnostic.</param>
/// <param name="Owner">The method (or the type, for an initializer) whose code makes the call: where [UsesActions] goes.</param>
internal sealed record Escape(Location Location, string Reason, ISymbol Owner);
