using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Milter.Generators.Model;

namespace Milter.Generators.Rules;

/// <summary>The runtime's marker types, resolved once per compilation, for the generator and the analyzers alike.</summary>
internal sealed class MilterSymbols
{
    private MilterSymbols(Compilation compilation, INamedTypeSymbol mailFilter)
    {
        Compilation = compilation;
        MailFilter = mailFilter;
        MilterVerdict = compilation.GetTypeByMetadataName(KnownNames.MilterVerdict);
        SmtpReply = compilation.GetTypeByMetadataName("Milter.Protocol.SmtpReply");
        EndOfMessageContext = compilation.GetTypeByMetadataName(KnownNames.EndOfMessageContext);
        MilterMacros = compilation.GetTypeByMetadataName("Milter.MilterMacros");
        MacroAttribute = compilation.GetTypeByMetadataName(KnownNames.MacroAttribute);
        RequestMacrosAttribute = compilation.GetTypeByMetadataName(KnownNames.RequestMacrosAttribute);
        UsesActionsAttribute = compilation.GetTypeByMetadataName(KnownNames.UsesActionsAttribute);
        MilterHandler = compilation.GetTypeByMetadataName(KnownNames.MilterHandlerInterface);
        ServiceProvider = compilation.GetTypeByMetadataName("System.IServiceProvider");
        SetsRequiredMembers = compilation.GetTypeByMetadataName("System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute");
        Events = KnownNames.EventAttributes
            .Select(e => (Type: compilation.GetTypeByMetadataName(e.Attribute), e.Event))
            .Where(e => e.Type is not null)
            .Select(e => (e.Type!, e.Event))
            .ToImmutableArray();
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol MailFilter { get; }

    public INamedTypeSymbol? MilterVerdict { get; }

    public INamedTypeSymbol? SmtpReply { get; }

    public INamedTypeSymbol? EndOfMessageContext { get; }

    public INamedTypeSymbol? MilterMacros { get; }

    public INamedTypeSymbol? MacroAttribute { get; }

    public INamedTypeSymbol? RequestMacrosAttribute { get; }

    public INamedTypeSymbol? UsesActionsAttribute { get; }

    public INamedTypeSymbol? MilterHandler { get; }

    public INamedTypeSymbol? ServiceProvider { get; }

    public INamedTypeSymbol? SetsRequiredMembers { get; }

    /// <summary>Each event attribute with its event.</summary>
    public ImmutableArray<(INamedTypeSymbol Type, MilterEvent Event)> Events { get; }

    /// <summary>The runtime's symbols, or null when the compilation does not reference Milter (nothing to check).</summary>
    public static MilterSymbols? Resolve(Compilation compilation) =>
        compilation.GetTypeByMetadataName(KnownNames.MailFilterAttribute) is { } mailFilter ? new MilterSymbols(compilation, mailFilter) : null;

    /// <summary>Whether a type carries [MailFilter].</summary>
    public bool IsFilter(INamedTypeSymbol type) => FilterAttribute(type) is not null;

    /// <summary>The type's [MailFilter], or null.</summary>
    public AttributeData? FilterAttribute(INamedTypeSymbol type) =>
        type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, MailFilter));

    /// <summary>The events a method's attributes mark it as handling (normally none or one).</summary>
    public ImmutableArray<MilterEvent> EventsOf(IMethodSymbol method)
    {
        var events = ImmutableArray.CreateBuilder<MilterEvent>();
        foreach (var attribute in method.GetAttributes())
        {
            foreach (var (type, e) in Events)
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, type))
                    events.Add(e);
            }
        }

        return events.ToImmutable();
    }

    /// <summary>The event a handler handles, or null for a method without an event attribute.</summary>
    public MilterEvent? EventOf(IMethodSymbol method) => EventsOf(method) is { Length: > 0 } events ? events[0] : null;

    /// <summary>Whether a type is the end-of-message context (with or without a nullable annotation).</summary>
    /// <remarks>
    /// The default comparer ignores nullable annotations, so no type is rewritten: ITypeSymbol.WithNullableAnnotation
    /// throws on kinds it does not know (a C# 14 extension block's type, for one).
    /// </remarks>
    public bool IsEndOfMessageContext(ITypeSymbol? type) =>
        type is not null && EndOfMessageContext is not null && SymbolEqualityComparer.Default.Equals(type, EndOfMessageContext);

    /// <summary>
    /// Whether an argument carries an end-of-message context into a parameter declared as one. A generic parameter
    /// (List&lt;T&gt;.Add) does not count: such code cannot call the context's methods. A delegate's does: its type
    /// arguments are the signature of the code it runs.
    /// </summary>
    public bool PassesContext(IArgumentOperation argument) =>
        IsEndOfMessageContext(OperationValue.Unwrap(argument.Value).Type)
        && (argument.Parameter is null || IsEndOfMessageContext(
            argument.Parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.DelegateInvoke } ? argument.Parameter.Type : argument.Parameter.OriginalDefinition.Type));

    /// <summary>The actions a method declares with [UsesActions], or null when it declares none (0 declares "no change").</summary>
    public uint? DeclaredActions(IMethodSymbol method)
    {
        if (UsesActionsAttribute is null)
            return null;
        foreach (var attribute in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, UsesActionsAttribute)
                && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is { } value)
            {
                return System.Convert.ToUInt32(value, System.Globalization.CultureInfo.InvariantCulture) & KnownNames.AllActions;
            }
        }

        return null;
    }
}
