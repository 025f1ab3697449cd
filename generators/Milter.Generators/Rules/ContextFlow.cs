using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
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
    private readonly SourceImplementations _implementations;
    private readonly BodyReader _reader;
    private readonly ConcurrentDictionary<ISymbol, BodyFacts> _facts = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, uint> _reachable = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, uint> _kept = new(SymbolEqualityComparer.Default);

    public ContextFlow(MilterSymbols symbols)
    {
        _symbols = symbols;
        _implementations = new SourceImplementations(symbols.Compilation);
        Bodies = new SourceBodies(symbols.Compilation);
        Escapes = new ContextEscapes(symbols, _implementations);
        _reader = new BodyReader(symbols, Bodies, _implementations, Escapes);
    }

    /// <summary>The code of the compilation as the flow reads it, shared so the analyzers read the same trees.</summary>
    public SourceBodies Bodies { get; }

    /// <summary>Where the context goes out of sight, as the flow counts it (MILTER017 reports the same places).</summary>
    public ContextEscapes Escapes { get; }

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
        method = SourceBodies.Definition(method);
        if (_reachable.TryGetValue(method, out var known))
            return known;
        var roots = new List<ISymbol>(_implementations.Of(method));
        if (SourceBodies.HasSource(method))
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
        bodies.AddRange(type.GetMembers().SelectMany(SourceBodies.CodeOf).Where(SourceBodies.HasSource));
        foreach (var body in bodies)
        {
            foreach (var root in Bodies.BodiesOf(body, cancellationToken))
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
                IInvocationOperation call when _symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType) => ContextChanges.ActionOfChange(call),
                IMethodReferenceOperation group when _symbols.IsEndOfMessageContext(group.Method.ContainingType) => ContextChanges.ActionOfMethodGroup(group.Method),
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
        _facts.TryGetValue(body, out var facts) ? facts : _facts.GetOrAdd(body, _reader.Read(body, cancellationToken));
}
