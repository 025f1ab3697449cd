using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Milter.Generators.Rules;

/// <summary>The action flags a change written on EndOfMessageContext needs.</summary>
internal static class ContextChanges
{
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
        return OperationValue.Unwrap(esmtp.Value).ConstantValue switch
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
}
