using System.Linq;
using Microsoft.CodeAnalysis;
using Milter.Generators.Model;

namespace Milter.Generators.Rules;

/// <summary>
/// The handler shapes the generator can adapt: allowed return types and parameters per event. Part of the rules the
/// generator and the analyzers share (<see cref="FilterRules"/>), so the two never disagree.
/// </summary>
internal static class HandlerShapes
{
    /// <summary>Whether an event's handler may return this way: abort and close cannot decide anything.</summary>
    public static bool ReturnAllowed(MilterEvent e, ReturnKind returns) =>
        e is not (MilterEvent.Abort or MilterEvent.Close) || returns is ReturnKind.Void or ReturnKind.ValueTask or ReturnKind.Task;

    /// <summary>The allowed return types of an event's handler, for messages.</summary>
    public static string AllowedReturns(MilterEvent e) => e is MilterEvent.Abort or MilterEvent.Close
        ? "void, ValueTask or Task"
        : "void, MilterVerdict, ValueTask, ValueTask<MilterVerdict>, Task or Task<MilterVerdict>";

    /// <summary>The allowed parameters of an event's handler, for messages.</summary>
    public static string AllowedParameters(MilterEvent e)
    {
        var data = e switch
        {
            MilterEvent.Connect => "ConnectionInfo, ",
            MilterEvent.Helo => "string (the HELO name), ",
            MilterEvent.Mail => "Sender or string (the address), ",
            MilterEvent.Rcpt => "Recipient or string (the address), ",
            MilterEvent.Header => "HeaderField, or string name and string value, ",
            MilterEvent.Body => "ReadOnlyMemory<byte> (the chunk), ",
            MilterEvent.EndOfMessage => "EndOfMessageContext, ",
            MilterEvent.Unknown => "string (the command), ",
            _ => string.Empty,
        };
        return data + "MilterContext, CancellationToken, [Macro(\"name\")] string?";
    }

    /// <summary>What the generated code passes for a parameter, or null when the parameter has no meaning for the event.</summary>
    public static ArgumentSpec? ArgumentOf(IParameterSymbol parameter, MilterEvent e, ref int strings)
    {
        var macro = parameter.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.MacroAttribute);
        var type = parameter.Type;
        var typeName = type.ToDisplayString();
        if (macro is not null)
        {
            return IsMacroType(type) && macro.ConstructorArguments.FirstOrDefault().Value is string macroName && MacroNames.Problem(macroName, requested: true) is null
                ? new ArgumentSpec(ArgumentKind.Macro, macroName)
                : null;
        }

        switch (typeName)
        {
            case KnownNames.MilterContext:
                return new ArgumentSpec(ArgumentKind.Context, null);
            case "System.Threading.CancellationToken":
                return new ArgumentSpec(ArgumentKind.CancellationToken, null);
            case KnownNames.EndOfMessageContext when e == MilterEvent.EndOfMessage:
                return new ArgumentSpec(ArgumentKind.EndOfMessageContext, null);
            case KnownNames.ConnectionInfo when e == MilterEvent.Connect:
                return new ArgumentSpec(ArgumentKind.Connection, null);
            case KnownNames.Sender when e == MilterEvent.Mail:
                return new ArgumentSpec(ArgumentKind.Sender, null);
            case KnownNames.Recipient when e == MilterEvent.Rcpt:
                return new ArgumentSpec(ArgumentKind.Recipient, null);
            case KnownNames.HeaderField when e == MilterEvent.Header:
                return new ArgumentSpec(ArgumentKind.HeaderField, null);
            case "System.ReadOnlyMemory<byte>" when e == MilterEvent.Body:
                return new ArgumentSpec(ArgumentKind.BodyChunk, null);
        }

        if (type.SpecialType != SpecialType.System_String)
            return null;
        strings++;
        ArgumentKind? kind = (e, strings) switch
        {
            (MilterEvent.Helo, 1) => ArgumentKind.HeloName,
            (MilterEvent.Mail, 1) => ArgumentKind.SenderAddress,
            (MilterEvent.Rcpt, 1) => ArgumentKind.RecipientAddress,
            (MilterEvent.Header, 1) => ArgumentKind.HeaderName,
            (MilterEvent.Header, 2) => ArgumentKind.HeaderValue,
            (MilterEvent.Unknown, 1) => ArgumentKind.UnknownCommand,
            _ => null,
        };
        return kind is null ? null : new ArgumentSpec(kind.Value, null);
    }

    /// <summary>A [Macro] value is null when the MTA did not send it: <c>string?</c>, or <c>string</c> where nullable checks are off.</summary>
    public static bool IsMacroType(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_String && type.NullableAnnotation != NullableAnnotation.NotAnnotated;

    /// <summary>How a method returns, or null when the generator cannot adapt it.</summary>
    public static ReturnKind? ReturnKindOf(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Void)
            return ReturnKind.Void;
        var name = type.ToDisplayString();
        return name switch
        {
            KnownNames.MilterVerdict => ReturnKind.Verdict,
            "System.Threading.Tasks.ValueTask" => ReturnKind.ValueTask,
            "System.Threading.Tasks.ValueTask<Milter.MilterVerdict>" => ReturnKind.ValueTaskOfVerdict,
            "System.Threading.Tasks.Task" => ReturnKind.Task,
            "System.Threading.Tasks.Task<Milter.MilterVerdict>" => ReturnKind.TaskOfVerdict,
            _ => null,
        };
    }
}
