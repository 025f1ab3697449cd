using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators;
using Milter.Generators.Model;
using Milter.Generators.Rules;

namespace Milter.Analyzers;

/// <summary>
/// Message changes (and PROGRESS) are legal only while the end-of-message handler runs. For every change a filter's
/// code makes, directly or through code it calls (followed by <see cref="ContextFlow"/> across the compilation), this
/// checks when it runs: in another handler or scheduled with nothing waiting (MILTER009/010, errors), or kept where it
/// may run later (MILTER018, a warning). It also reports where the context reaches code the generator cannot see
/// (MILTER017) and changes that explicit actions leave out (MILTER014).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageChangeAnalyzer : MilterAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.ChangeOutsideEndOfMessage, Descriptors.ProgressOutsideEndOfMessage, Descriptors.ActionNotNegotiated,
        Descriptors.ContextEscapes, Descriptors.ChangeMaybeOutsideEndOfMessage);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        if (symbols.EndOfMessageContext is null)
            return;
        var flow = FlowCache.For(symbols);
        context.RegisterSymbolStartAction(start =>
        {
            var type = (INamedTypeSymbol)start.Symbol;
            if (symbols.FilterAttribute(type) is not { } attribute)
                return;
            var filter = new FilterFacts(type, attribute, symbols);
            start.RegisterOperationAction(op => Safely(op, () => AnalyzeChange(op, filter, flow, symbols)),
                OperationKind.Invocation, OperationKind.ObjectCreation, OperationKind.MethodReference);
        }, SymbolKind.NamedType);

        // Reported where it happens, in any class: only milter code holds an end-of-message context, and there the fix can be applied.
        context.RegisterOperationAction(op => Safely(op, () =>
        {
            if (Member(op.ContainingSymbol) is not { } member || (member is IMethodSymbol method && symbols.DeclaredActions(method) is not null))
                return;
            // A filter that lists its actions itself (InferActions = false) needs no guess.
            if (member.ContainingType is { } owner && symbols.FilterAttribute(owner) is { } filter && !new FilterFacts(owner, filter, symbols).InferActions)
                return;
            if (flow.Escapes.EscapeAt(op.Operation, member) is { } escape)
                op.ReportDiagnostic(Diagnostic.Create(Descriptors.ContextEscapes, escape.Location, escape.Reason, escape.Owner.Name));
        }), OperationKind.Invocation, OperationKind.ObjectCreation, OperationKind.DynamicInvocation);
    }

    /// <summary>
    /// Runs one analysis step; C# this version has not met (a symbol or operation kind Roslyn's API refuses) ends in
    /// MILTER017 at the operation, the safe side the generator takes too, never in AD0001.
    /// </summary>
    private static void Safely(OperationAnalysisContext context, System.Action analyze)
    {
        try
        {
            analyze();
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            var owner = Member(context.ContainingSymbol)?.Name ?? "this member";
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ContextEscapes, context.Operation.Syntax.GetLocation(),
                $"the analysis could not read this code ({e.GetType().Name}), so it assumes any change", owner));
        }
    }

    /// <summary>What the analysis needs to know about the filter class.</summary>
    private sealed class FilterFacts
    {
        public FilterFacts(INamedTypeSymbol type, AttributeData attribute, MilterSymbols symbols)
        {
            Type = type;
            InferActions = !attribute.NamedArguments.Any(n => n.Key == "InferActions" && n.Value.Value is false);
            ExtraActions = attribute.NamedArguments.Where(n => n.Key == "ExtraActions")
                .Select(n => System.Convert.ToUInt32(n.Value.Value ?? 0u, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
            {
                if (symbols.EventOf(method) is { } e)
                    Handlers[method] = e;
            }
        }

        public INamedTypeSymbol Type { get; }

        public bool InferActions { get; }

        public uint ExtraActions { get; }

        public Dictionary<IMethodSymbol, MilterEvent> Handlers { get; } = new(SymbolEqualityComparer.Default);
    }

    private static void AnalyzeChange(OperationAnalysisContext context, FilterFacts filter, ContextFlow flow, MilterSymbols symbols)
    {
        if (Member(context.ContainingSymbol) is not { } member || !SymbolEqualityComparer.Default.Equals(member.ContainingType, filter.Type))
            return;
        if (Change(context.Operation, flow, symbols, context.CancellationToken) is not { } change)
            return;

        if (!filter.InferActions && (change.Actions & KnownNames.AllActions & ~filter.ExtraActions) is var missing and not 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ActionNotNegotiated, LocationOf(context.Operation), change.Name, ActionName(missing & (uint)-(int)missing)));
        }

        var origin = Origin(change.Context);
        var route = new ChangeRoutes(flow, context.CancellationToken).Of(context.Operation, origin.Owner);
        // A call into a helper whose task nothing awaits: what the helper does after its first await (or in the task it starts) runs later.
        if (route.Timing == Timing.Inline && !change.Direct && context.Operation is IInvocationOperation { TargetMethod: { } helper } call
            && KnownCallbacks.IsTaskType(helper.ReturnType))
        {
            route = ChangeRoutes.TaskRoute(call, $"the task of {change.Name} (all it does after its first await)");
        }

        if (route.Timing == Timing.Inline)
        {
            var handler = member is IMethodSymbol method && filter.Handlers.TryGetValue(method, out var e) ? e : (MilterEvent?)null;
            if (handler is { } other && other != MilterEvent.EndOfMessage)
            {
                route = new Route(Timing.Certainly, change.Direct
                    ? $"it is made in the [{FilterRules.AttributeName(other)}] handler"
                    : $"the [{FilterRules.AttributeName(other)}] handler calls {change.Name}, which {(change.Actions == KnownNames.Progress ? "sends progress" : "changes the message")}");
            }
            else if (member is IMethodSymbol { MethodKind: MethodKind.Destructor } or IMethodSymbol { Name: "Dispose" or "DisposeAsync", Parameters.Length: 0 })
            {
                // The runtime disposes a filter when its connection ends: long after any end of message.
                route = new Route(Timing.Certainly, change.Direct
                    ? $"it is made in the filter's {member.Name}, which runs when the connection ends"
                    : $"the filter's {member.Name} calls {change.Name}, and runs when the connection ends");
            }
            else if (origin.Field is { } field && handler is null)
            {
                route = new Route(Timing.Possibly, $"it uses an end-of-message context kept in '{field}', which outlives the handler");
            }
        }

        if (route.Timing == Timing.Inline)
            return;
        var progressOnly = (change.Actions & ~KnownNames.Progress) == 0;
        var location = LocationOf(context.Operation);
        context.ReportDiagnostic(route.Timing == Timing.Certainly
            ? progressOnly
                ? Diagnostic.Create(Descriptors.ProgressOutsideEndOfMessage, location, route.Reason)
                : Diagnostic.Create(Descriptors.ChangeOutsideEndOfMessage, location, change.Name, route.Reason)
            : Diagnostic.Create(Descriptors.ChangeMaybeOutsideEndOfMessage, location, change.Name, route.Reason));
    }

    /// <summary>A change point: a change on EndOfMessageContext, or a call (or method group) into code that makes one.</summary>
    private sealed record ChangePoint(uint Actions, string Name, bool Direct, IOperation? Context);

    private static ChangePoint? Change(IOperation operation, ContextFlow flow, MilterSymbols symbols, System.Threading.CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case IInvocationOperation call when symbols.IsEndOfMessageContext(call.TargetMethod.ContainingType):
                return ContextChanges.ActionOfChange(call) is var direct and not 0 ? new ChangePoint(direct, call.TargetMethod.Name, true, Receiver(call)) : null;
            case IMethodReferenceOperation group when symbols.IsEndOfMessageContext(group.Method.ContainingType):
                // message.AddHeader as a delegate: the change is made wherever that delegate runs.
                return ContextChanges.ActionOfMethodGroup(group.Method) is var grouped and not 0 ? new ChangePoint(grouped, group.Method.Name, true, group.Instance) : null;
            case IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } call when KeptDelegate(call) is { } member:
                // A delegate read from a member: it makes the changes of whatever the code stores there.
                return flow.ActionsOfDelegatesKeptIn(member, cancellationToken) is var kept and not 0 ? new ChangePoint(kept, $"'{member.Name}'", false, null) : null;
            case IInvocationOperation call:
                return Indirect(call.TargetMethod, call.Arguments);
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                return Indirect(constructor, creation.Arguments);
            case IMethodReferenceOperation reference when !reference.Method.Parameters.Any(p => symbols.IsEndOfMessageContext(p.Type)):
                // A method group that takes the context gets it from whoever invokes it; one that does not reads it from elsewhere.
                return Indirect(reference.Method, ImmutableArray<IArgumentOperation>.Empty);
            default:
                return null;
        }

        ChangePoint? Indirect(IMethodSymbol called, ImmutableArray<IArgumentOperation> arguments)
        {
            // Lambdas and local functions are followed where they run, not where they are called.
            if (called.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction or MethodKind.DelegateInvoke)
                return null;
            var actions = flow.ActionsReachableFrom(called, cancellationToken);
            if (actions == 0)
                return null;
            var name = called.MethodKind == MethodKind.Constructor ? $"'new {called.ContainingType.Name}'" : $"'{called.Name}'";
            return new ChangePoint(actions, name, false, arguments.FirstOrDefault(symbols.PassesContext)?.Value);
        }
    }

    /// <summary>The field or property of a source type a delegate is read from to be invoked (looking through <c>?.</c>), or null.</summary>
    private static ISymbol? KeptDelegate(IInvocationOperation call) =>
        Receiver(call) is { } receiver && OperationValue.Unwrap(receiver) is IMemberReferenceOperation { Member: IFieldSymbol or IPropertySymbol } member
        && member.Member.ContainingType.DeclaringSyntaxReferences.Length > 0
            ? member.Member.OriginalDefinition
            : null;

    /// <summary>Where the context of a change comes from: the function or method whose parameter or local holds it, or a field.</summary>
    private static (ISymbol? Owner, string? Field) Origin(IOperation? context) => context is null ? (null, null) : OperationValue.Unwrap(context) switch
    {
        IParameterReferenceOperation parameter => (parameter.Parameter.ContainingSymbol, null),
        ILocalReferenceOperation local => (local.Local.ContainingSymbol, null),
        IFieldReferenceOperation field => (null, field.Field.Name),
        IPropertyReferenceOperation { Property.IsIndexer: false } property => (null, property.Property.Name),
        _ => (null, null),
    };

    /// <summary>The object a call is made on, looking through <c>?.</c>.</summary>
    private static IOperation? Receiver(IInvocationOperation invocation)
    {
        if (invocation.Instance is not IConditionalAccessInstanceOperation)
            return invocation.Instance;
        for (var parent = invocation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IConditionalAccessOperation access)
                return access.Operation;
        }

        return invocation.Instance;
    }

    /// <summary>Where to report: the whole <c>a?.B()</c> expression rather than its <c>.B()</c> part.</summary>
    private static Location LocationOf(IOperation operation) =>
        operation is IInvocationOperation { Instance: IConditionalAccessInstanceOperation } && operation.Parent is IConditionalAccessOperation access
            ? access.Syntax.GetLocation()
            : operation.Syntax.GetLocation();

    /// <summary>The member (method, accessor, field initializer…) an operation belongs to: lambdas and local functions belong to theirs.</summary>
    private static ISymbol? Member(ISymbol? symbol)
    {
        while (symbol is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction })
            symbol = symbol.ContainingSymbol;
        return symbol;
    }

    private static string ActionName(uint flag) => flag switch
    {
        0x001 => "AddHeaders",
        0x002 => "ChangeBody",
        0x004 => "AddRecipients",
        0x008 => "DeleteRecipients",
        0x010 => "ChangeHeaders",
        0x020 => "Quarantine",
        0x040 => "ChangeSender",
        _ => "AddRecipientsWithParameters",
    };
}
