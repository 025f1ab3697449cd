using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Milter.Generators.Rules;

/// <summary>
/// Where the code of a symbol is in the compilation, as operation trees: a method's body, a type's initializers.
/// Thread-safe; one semantic model per syntax tree.
/// </summary>
internal sealed class SourceBodies(Compilation compilation)
{
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();

    /// <summary>The method to look at for a call target: the definition of a generic or extension method, the implementation of a partial one.</summary>
    public static IMethodSymbol Definition(IMethodSymbol method)
    {
        method = (method.ReducedFrom ?? method).OriginalDefinition;
        return method.PartialImplementationPart ?? method;
    }

    /// <summary>Whether the method's code is in this compilation.</summary>
    public static bool HasSource(IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.Length > 0 && !method.IsAbstract && method.MethodKind != MethodKind.DelegateInvoke;

    /// <summary>The methods that hold a member's code: the method itself, a property's or an event's accessors.</summary>
    public static IEnumerable<IMethodSymbol> CodeOf(ISymbol member)
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
    private SemanticModel Model(SyntaxTree tree) => _models.GetOrAdd(tree, t => compilation.GetSemanticModel(t));
#pragma warning restore RS1030
}
