using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Milter.Generators.Rules;

/// <summary>Where a delegate that is invoked comes from, as far as the flow can tell.</summary>
internal static class DelegateOrigin
{
    /// <summary>
    /// Where a delegate that receives the context comes from: <c>Untraced</c> names code the flow cannot read;
    /// <c>Member</c> is the source type whose field or property holds it. Both null when the flow reads it anyway
    /// (lambdas and method groups in code the flow reads are read with it, wherever they end up).
    /// </summary>
    public static (string? Untraced, INamedTypeSymbol? Member) Of(IInvocationOperation call)
    {
        var instance = call.Instance is null ? null : OperationValue.Unwrap(call.Instance);
        if (instance is IConditionalAccessInstanceOperation)
        {
            for (var parent = call.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is IConditionalAccessOperation access)
                {
                    instance = OperationValue.Unwrap(access.Operation);
                    break;
                }
            }
        }

        return instance switch
        {
            ILocalReferenceOperation or IParameterReferenceOperation => (null, null),
            IMemberReferenceOperation member when member.Member.ContainingType.DeclaringSyntaxReferences.Length > 0 => (null, member.Member.ContainingType),
            IMemberReferenceOperation member => ($"'{member.Member.ContainingType.Name}.{member.Member.Name}'", null),
            IInvocationOperation source when SourceBodies.HasSource(SourceBodies.Definition(source.TargetMethod)) => (null, null),
            IInvocationOperation other => ($"'{other.TargetMethod.ContainingType.Name}.{other.TargetMethod.Name}'", null),
            _ => ("an expression", null),
        };
    }
}
