using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Milter.Generators.Rules;

/// <summary>What value an operation carries, seen through the wrappers C# adds around it.</summary>
internal static class OperationValue
{
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

    /// <summary>Whether a value is a delegate (a lambda, a method group, a delegate-typed expression).</summary>
    public static bool IsDelegate(IOperation value) => value.Type?.TypeKind == TypeKind.Delegate || Unwrap(value).Type?.TypeKind == TypeKind.Delegate;
}
