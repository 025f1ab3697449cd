using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Milter.Generators.Rules;

/// <summary>
/// The source code a virtual or interface call may run: every override and implementation among the compilation's
/// own types. Thread-safe; the types are listed once.
/// </summary>
internal sealed class SourceImplementations(Compilation compilation)
{
    private ImmutableArray<INamedTypeSymbol> _sourceTypes;

    /// <summary>Every source override of a virtual method, and every source implementation of an interface method.</summary>
    public IEnumerable<IMethodSymbol> Of(IMethodSymbol method)
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
                        && SourceBodies.HasSource(SourceBodies.Definition(implementation)))
                    {
                        yield return SourceBodies.Definition(implementation);
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
                            if (SourceBodies.HasSource(candidate))
                                yield return SourceBodies.Definition(candidate);
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
            namespaces.Push(compilation.Assembly.GlobalNamespace);
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
}
