using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>How sure it is that code runs after the handler that holds it has returned.</summary>
internal enum Timing
{
    /// <summary>Runs before the code around it goes on: in effect, inline.</summary>
    Inline,

    /// <summary>Kept or handed on where it may run later.</summary>
    Possibly,

    /// <summary>Scheduled with nothing waiting for it.</summary>
    Certainly,
}

/// <summary>When a piece of code runs, and why the analysis thinks so.</summary>
internal readonly record struct Route(Timing Timing, string Reason)
{
    public static Route Inline { get; } = new(Timing.Inline, string.Empty);

    public static Route Worst(Route a, Route b) => b.Timing > a.Timing ? b : a;
}

/// <summary>
/// Follows lambdas and local functions to where they run: called in place, handed to a method that runs them before
/// it returns (List.ForEach, LINQ, an awaited Task.Run, a source method that only invokes its delegate), or kept,
/// subscribed, scheduled or handed to code that may run them later. Works inside one member's operation tree.
/// </summary>
internal sealed class ChangeRoutes(ContextFlow flow, CancellationToken cancellationToken)
{
    private const int MaxDepth = 8;

    /// <summary>When the code at <paramref name="at"/> runs, for a change on a context owned by <paramref name="contextOwner"/> (null: read from elsewhere).</summary>
    public Route Of(IOperation at, ISymbol? contextOwner)
    {
        // A method group runs where the delegate made of it runs.
        var route = at is IMethodReferenceOperation ? RunOfDelegate(at, 0) : Route.Inline;
        for (var parent = at.Parent; parent is not null; parent = parent.Parent)
        {
            var function = parent switch
            {
                IAnonymousFunctionOperation lambda => (ISymbol)lambda.Symbol,
                ILocalFunctionOperation local => local.Symbol,
                _ => null,
            };
            if (function is null)
                continue;
            var run = parent is IAnonymousFunctionOperation anonymous ? RunOfDelegate(anonymous, 0) : RunOfLocalFunction((ILocalFunctionOperation)parent, 0);
            // A context the function received as its own parameter comes from whoever runs it: no later than they do,
            // unless the function is queued with the context as its state (ThreadPool.QueueUserWorkItem(static m => ..., message, false)).
            if (contextOwner is not null && SymbolEqualityComparer.Default.Equals(function, contextOwner))
            {
                if (run.Timing == Timing.Certainly)
                    route = Route.Worst(route, run);
                break;
            }

            route = Route.Worst(route, run);
        }

        return route;
    }

    private Route RunOfLocalFunction(ILocalFunctionOperation function, int depth)
    {
        var route = Route.Inline;
        foreach (var op in Root(function).Descendants())
        {
            if (op is IMethodReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Method, function.Symbol))
                route = Route.Worst(route, RunOfDelegate(reference, depth + 1));
        }

        return route;
    }

    /// <summary>When a delegate-valued operation (a lambda, a method group) gets run.</summary>
    public Route RunOfDelegate(IOperation value, int depth)
    {
        if (depth > MaxDepth)
            return new Route(Timing.Possibly, "it runs in a delegate passed along further than the analysis follows");
        var node = value;
        while (node.Parent is IDelegateCreationOperation or IConversionOperation or IParenthesizedOperation)
            node = node.Parent;

        switch (node.Parent)
        {
            case IInvocationOperation invoked when invoked.Instance == node:
                return Route.Inline;
            case IArgumentOperation argument:
                return Handed(argument, depth);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return RunOfLocal(declarator.Symbol, node, depth);
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when assignment.Value == node:
                return RunOfLocal(local.Local, node, depth);
            case ISimpleAssignmentOperation { Target: IMemberReferenceOperation member }:
                return new Route(Timing.Possibly, $"it runs in a delegate kept in '{member.Member.Name}', which may run after the handler returned");
            case IFieldInitializerOperation or IPropertyInitializerOperation:
                return new Route(Timing.Possibly, "it runs in a delegate kept in a field, which may run after the handler returned");
            case IEventAssignmentOperation { EventReference: IEventReferenceOperation e }:
                return new Route(Timing.Possibly, $"it runs in a handler subscribed to the event '{e.Event.Name}', which may fire after the handler returned");
            case IReturnOperation:
                return new Route(Timing.Possibly, "it runs in a delegate returned to the caller, which may run it after the handler returned");
            default:
                return new Route(Timing.Possibly, "it runs in a delegate kept where the analysis cannot follow it");
        }
    }

    /// <summary>A delegate in a local: it runs as its uses run it.</summary>
    private Route RunOfLocal(ILocalSymbol local, IOperation anywhere, int depth)
    {
        var route = Route.Inline;
        foreach (var op in Root(anywhere).Descendants())
        {
            if (op is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && !(reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference))
            {
                route = Route.Worst(route, RunOfDelegate(reference, depth + 1));
            }
        }

        return route;
    }

    /// <summary>A delegate handed to a method or constructor as an argument.</summary>
    private Route Handed(IArgumentOperation argument, int depth)
    {
        var (callee, call) = argument.Parent switch
        {
            IInvocationOperation invocation => (invocation.TargetMethod, (IOperation)invocation),
            IObjectCreationOperation { Constructor: { } constructor } creation => (constructor, creation),
            _ => (null, argument.Parent),
        };
        if (callee is null || call is null)
            return new Route(Timing.Possibly, "it runs in a delegate handed on where the analysis cannot follow it");
        if (KnownCallbacks.RunsSynchronously(callee))
            return Route.Inline;
        if (KnownCallbacks.StartsTask(callee))
        {
            // StartNew does not unwrap the task an async delegate returns: awaiting its task waits only for the first await.
            if (callee.Name == "StartNew" && ReturnsTask(argument.Value) && !Unwrapped(call))
                return new Route(Timing.Certainly, $"Task.Factory.StartNew does not unwrap the task of an async delegate, so awaiting it waits only until the delegate's first await and the rest may run after the handler returned; use Task.Run, or .Unwrap()");
            return TaskRoute(call, $"a task started by {callee.ContainingType.Name}.{callee.Name}");
        }
        if (KnownCallbacks.QueuesCallback(callee) is { } thread)
            return new Route(Timing.Certainly, $"it runs on {thread}, after the handler returned");
        if (KnownCallbacks.StartsThread(callee))
            return new Route(Timing.Possibly, "it runs on a thread of its own, which may outlive the handler");
        if (argument.Parameter is { } parameter && OnlyInvokes(SourceBodies.Definition(callee), parameter.OriginalDefinition))
            return Route.Inline;
        return new Route(Timing.Possibly, $"it runs in a delegate handed to '{callee.ContainingType.Name}.{callee.Name}', which may keep it and run it after the handler returned");
    }

    /// <summary>
    /// When the rest of a task runs, from where the code that produced it (<paramref name="start"/>) puts it: inline
    /// when the handler awaits or returns it (directly, through a local, or through Task.WhenAll/WhenAny), certainly
    /// later when it is dropped, possibly later anywhere else. <paramref name="what"/> names the task, for the reason.
    /// </summary>
    public static Route TaskRoute(IOperation start, string what)
    {
        var node = start;
        // Look through conversions, .ConfigureAwait(...), .AsTask() and .Unwrap() (an extension method: its task is an argument).
        while (true)
        {
            if (node.Parent is IConversionOperation or IParenthesizedOperation
                || (node.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "AsTask" } configure && configure.Instance == node))
                node = node.Parent;
            else if (node.Parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Unwrap" } unwrap })
                node = unwrap;
            else
                break;
        }

        switch (node.Parent)
        {
            case IAwaitOperation or IReturnOperation:
                return Route.Inline;
            // Waited for by blocking (MILTER013 says why that is bad in an async handler), but waited for.
            case IInvocationOperation { TargetMethod.Name: "GetAwaiter" or "Wait" } waited when waited.Instance == node:
            case IPropertyReferenceOperation { Property.Name: "Result" } result when result.Instance == node:
                return Route.Inline;
            case IExpressionStatementOperation:
            case ISimpleAssignmentOperation { Target: IDiscardOperation }:
                return new Route(Timing.Certainly, $"it runs in {what} that nothing awaits, so it may run after the handler returned");
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } when Awaited(declarator.Symbol, start):
                return Route.Inline;
            case IArgumentOperation or IArrayInitializerOperation or ICollectionExpressionOperation when Combinator(node) is { } combined:
                return TaskRoute(combined, what);
            default:
                return new Route(Timing.Possibly, $"it runs in {what} that the handler may not wait for");
        }
    }

    /// <summary>The Task.WhenAll/WhenAny call a task is handed to (as an argument, or in an array or collection expression), or null.</summary>
    private static IInvocationOperation? Combinator(IOperation task)
    {
        for (var parent = task.Parent; parent is not null; parent = parent.Parent)
        {
            switch (parent)
            {
                case IInvocationOperation { TargetMethod.Name: "WhenAll" or "WhenAny" } combinator when KnownCallbacks.IsTaskType(combinator.TargetMethod.ContainingType):
                    return combinator;
                case IArgumentOperation or IArrayInitializerOperation or IArrayCreationOperation or ICollectionExpressionOperation or IConversionOperation:
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>Whether a StartNew call's task is unwrapped (<c>.Unwrap()</c>, as an extension or a static call).</summary>
    private static bool Unwrapped(IOperation call)
    {
        var node = call;
        while (node.Parent is IConversionOperation or IParenthesizedOperation or IArgumentOperation)
            node = node.Parent;
        return node.Parent is IInvocationOperation { TargetMethod.Name: "Unwrap" };
    }

    /// <summary>Whether a delegate returns a task (an async lambda or method, or any delegate whose result is awaitable).</summary>
    private static bool ReturnsTask(IOperation value)
    {
        var type = OperationValue.Unwrap(value).Type as INamedTypeSymbol ?? value.Type as INamedTypeSymbol;
        return type?.DelegateInvokeMethod?.ReturnType is { } returns && KnownCallbacks.IsTaskType(returns);
    }

    /// <summary>Whether a task kept in a local is awaited (directly, or through Task.WhenAll/WhenAny) somewhere in the same body.</summary>
    private static bool Awaited(ILocalSymbol local, IOperation anywhere)
    {
        foreach (var op in Root(anywhere).Descendants())
        {
            if (op is not IAwaitOperation awaited)
                continue;
            foreach (var inner in awaited.Operation.DescendantsAndSelf())
            {
                if (inner is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
                    return true;
            }
        }

        return false;
    }

    /// <summary>Whether a source method only ever invokes its delegate parameter (or hands it to a synchronous consumer), never keeps it.</summary>
    private bool OnlyInvokes(IMethodSymbol method, IParameterSymbol parameter)
    {
        if (!SourceBodies.HasSource(method))
            return false;
        var seen = false;
        foreach (var body in flow.Bodies.BodiesOf(method, cancellationToken))
        {
            foreach (var op in body.Descendants())
            {
                if (op is not IParameterReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Parameter.OriginalDefinition, parameter))
                    continue;
                seen = true;
                var use = reference.Parent;
                var invoked = use is IInvocationOperation call && call.Instance == reference
                    || use is IConditionalAccessOperation access && access.Operation == reference
                    || use is IArgumentOperation { Parent: IInvocationOperation consumer } && KnownCallbacks.RunsSynchronously(consumer.TargetMethod);
                if (!invoked)
                    return false;
            }
        }

        return seen;
    }

    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null)
            operation = operation.Parent;
        return operation;
    }
}
