using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators;
using Milter.Generators.Model;

namespace Milter.Analyzers;

/// <summary>
/// Message changes (and PROGRESS) are legal only while the end-of-message handler runs. Within a class this
/// follows the calls: a change in another handler, in a helper that another handler calls (reported at that
/// call), through an end-of-message context kept in a field, or in a lambda handed to code that runs it later.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageChangeAnalyzer : MilterAnalyzer
{
    private static readonly ImmutableHashSet<string> Changes = ImmutableHashSet.Create(
        "AddHeader", "InsertHeader", "ChangeHeader", "DeleteHeader", "ChangeSender", "AddRecipient", "DeleteRecipient",
        "ReplaceBody", "ReplaceBodyAsync", "Quarantine", "SendProgressAsync");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ChangeOutsideEndOfMessage, Descriptors.ProgressOutsideEndOfMessage, Descriptors.ActionNotNegotiated);

    private protected override void Start(CompilationStartAnalysisContext context, MilterSymbols symbols)
    {
        if (symbols.EndOfMessageContext is { } endOfMessage)
            context.RegisterSymbolStartAction(symbolStart => AnalyzeType(symbolStart, endOfMessage, symbols), SymbolKind.NamedType);
    }

    private sealed class ClassFacts
    {
        public readonly ConcurrentBag<(IMethodSymbol Method, IInvocationOperation Call, string? Route)> ChangeCalls = new();
        public readonly ConcurrentBag<(IMethodSymbol Caller, IMethodSymbol Callee, IInvocationOperation Call)> Calls = new();
    }

    private static void AnalyzeType(SymbolStartAnalysisContext context, INamedTypeSymbol endOfMessage, MilterSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var facts = new ClassFacts();
        context.RegisterOperationAction(op =>
        {
            var invocation = (IInvocationOperation)op.Operation;
            if (Owner(op.ContainingSymbol) is not { } method || !SymbolEqualityComparer.Default.Equals(method.ContainingType, type))
                return;
            var target = invocation.TargetMethod;
            if (SymbolEqualityComparer.Default.Equals(target.ContainingType, endOfMessage) && Changes.Contains(target.Name))
                facts.ChangeCalls.Add((method, invocation, DeferredRoute(invocation)));
            else if (SymbolEqualityComparer.Default.Equals(target.ContainingType, type) && target.MethodKind == MethodKind.Ordinary)
                facts.Calls.Add((method, target.OriginalDefinition, invocation));
        }, OperationKind.Invocation);
        context.RegisterSymbolEndAction(end =>
        {
            Report(end, type, facts, symbols);
            ReportUnnegotiated(end, type, facts);
        });
    }

    /// <summary>With InferActions = false, every change the class makes must be covered by ExtraActions.</summary>
    private static void ReportUnnegotiated(SymbolAnalysisContext context, INamedTypeSymbol type, ClassFacts facts)
    {
        var filter = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.MailFilterAttribute);
        if (filter is null || !filter.NamedArguments.Any(n => n.Key == "InferActions" && n.Value.Value is false))
            return;
        var declared = filter.NamedArguments.Where(n => n.Key == "ExtraActions").Select(n => n.Value.Value is uint u ? u : 0u).FirstOrDefault();
        foreach (var (_, call, _) in facts.ChangeCalls)
        {
            var name = call.TargetMethod.Name;
            var needed = KnownNames.ActionOf(name);
            if (name == "AddRecipient" && call.Arguments.Length > 1 && !call.Arguments[1].IsImplicit
                && call.Arguments[1].Value.ConstantValue is not { HasValue: true, Value: null })
            {
                needed = KnownNames.AddRecipientsWithParameters;
            }

            if (needed != 0 && (declared & needed) == 0)
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.ActionNotNegotiated, LocationOf(call), name, ActionName(needed)));
        }
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

    private static void Report(SymbolAnalysisContext context, INamedTypeSymbol type, ClassFacts facts, MilterSymbols symbols)
    {
        var handlers = new Dictionary<IMethodSymbol, MilterEvent>(SymbolEqualityComparer.Default);
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (symbols.EventOf(method) is { } e)
                handlers[method] = e;
        }

        // Changes made directly: in another handler, or on a deferred route from anywhere.
        foreach (var (method, call, route) in facts.ChangeCalls)
        {
            if (route is not null)
                Report(context, call, route);
            else if (handlers.TryGetValue(method, out var e) && e != MilterEvent.EndOfMessage)
                Report(context, call, $"it is made in the [{FilterShapeAnalyzer.AttributeName(e)}] handler");
        }

        // Changes made by helpers: report each call from another handler into a helper that (transitively) changes the message.
        var changers = new HashSet<IMethodSymbol>(facts.ChangeCalls.Where(c => c.Route is null).Select(c => c.Method), SymbolEqualityComparer.Default);
        var calls = facts.Calls.ToList();
        bool grew;
        do
        {
            grew = false;
            foreach (var (caller, callee, _) in calls)
            {
                if (changers.Contains(callee) && !handlers.ContainsKey(caller) && changers.Add(caller))
                    grew = true;
            }
        }
        while (grew);

        foreach (var (caller, callee, call) in calls)
        {
            if (handlers.TryGetValue(caller, out var e) && e != MilterEvent.EndOfMessage && changers.Contains(callee) && !handlers.ContainsKey(callee))
            {
                var descriptor = Progress(callee, facts) ? Descriptors.ProgressOutsideEndOfMessage : Descriptors.ChangeOutsideEndOfMessage;
                var reason = $"the [{FilterShapeAnalyzer.AttributeName(e)}] handler calls '{callee.Name}', which changes the message";
                context.ReportDiagnostic(descriptor == Descriptors.ProgressOutsideEndOfMessage
                    ? Diagnostic.Create(descriptor, call.Syntax.GetLocation(), reason)
                    : Diagnostic.Create(descriptor, call.Syntax.GetLocation(), $"'{callee.Name}'", reason));
            }
        }
    }

    private static bool Progress(IMethodSymbol helper, ClassFacts facts) =>
        facts.ChangeCalls.Where(c => SymbolEqualityComparer.Default.Equals(c.Method, helper)).All(c => c.Call.TargetMethod.Name == "SendProgressAsync");

    private static void Report(SymbolAnalysisContext context, IInvocationOperation call, string reason)
    {
        var name = call.TargetMethod.Name;
        context.ReportDiagnostic(name == "SendProgressAsync"
            ? Diagnostic.Create(Descriptors.ProgressOutsideEndOfMessage, LocationOf(call), reason)
            : Diagnostic.Create(Descriptors.ChangeOutsideEndOfMessage, LocationOf(call), name, reason));
    }

    /// <summary>Why a change runs after end of message: its context comes from a field, or it sits in a lambda handed to other code.</summary>
    private static string? DeferredRoute(IInvocationOperation invocation)
    {
        var receiver = Receiver(invocation);
        if (receiver is IFieldReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: false } && receiver.Type is not null
            && (receiver as IMemberReferenceOperation)?.Member.ContainingType is { } owner && owner.ToDisplayString() != KnownNames.EndOfMessageContext)
        {
            return $"it uses an end-of-message context kept in '{((IMemberReferenceOperation)receiver).Member.Name}', which outlives the handler";
        }

        for (var parent = invocation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation function)
            {
                var use = function.Parent is IDelegateCreationOperation creation ? creation.Parent : function.Parent;
                if (use is IArgumentOperation argument)
                    return $"it runs in a lambda passed to '{(argument.Parent as IInvocationOperation)?.TargetMethod.Name ?? "another method"}', which may call it after the handler returned";
                if (use is ISimpleAssignmentOperation { Target: IFieldReferenceOperation or IPropertyReferenceOperation or IEventReferenceOperation })
                    return "it runs in a lambda kept in a field, which may run after the handler returned";
                return null;
            }
        }

        return null;
    }

    /// <summary>The object a call is made on, looking through <c>?.</c> and parentheses.</summary>
    private static IOperation? Receiver(IInvocationOperation invocation)
    {
        var receiver = invocation.Instance;
        if (receiver is IConditionalAccessInstanceOperation)
        {
            for (var parent = invocation.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is IConditionalAccessOperation access)
                {
                    receiver = access.Operation;
                    break;
                }
            }
        }

        while (receiver is IParenthesizedOperation parenthesized)
            receiver = parenthesized.Operand;
        return receiver;
    }

    /// <summary>Where to report a call: the whole <c>a?.B()</c> expression rather than its <c>.B()</c> part.</summary>
    private static Location LocationOf(IInvocationOperation call) =>
        call.Instance is IConditionalAccessInstanceOperation && call.Parent is IConditionalAccessOperation access
            ? access.Syntax.GetLocation()
            : call.Syntax.GetLocation();

    /// <summary>The ordinary method an operation belongs to (local functions and lambdas belong to their method).</summary>
    private static IMethodSymbol? Owner(ISymbol? symbol)
    {
        while (symbol is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction })
            symbol = symbol.ContainingSymbol;
        return symbol as IMethodSymbol;
    }
}
