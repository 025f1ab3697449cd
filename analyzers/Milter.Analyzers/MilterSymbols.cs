using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Milter.Generators;
using Milter.Generators.Model;

namespace Milter.Analyzers;

/// <summary>The runtime's marker types, resolved once per compilation.</summary>
internal sealed class MilterSymbols
{
    private MilterSymbols(Compilation compilation, INamedTypeSymbol mailFilter)
    {
        MailFilter = mailFilter;
        MilterVerdict = compilation.GetTypeByMetadataName(KnownNames.MilterVerdict);
        SmtpReply = compilation.GetTypeByMetadataName("Milter.Protocol.SmtpReply");
        EndOfMessageContext = compilation.GetTypeByMetadataName(KnownNames.EndOfMessageContext);
        MilterMacros = compilation.GetTypeByMetadataName("Milter.MilterMacros");
        MacroAttribute = compilation.GetTypeByMetadataName(KnownNames.MacroAttribute);
        RequestMacrosAttribute = compilation.GetTypeByMetadataName(KnownNames.RequestMacrosAttribute);
        Events = KnownNames.EventAttributes
            .Select(e => (Type: compilation.GetTypeByMetadataName(e.Attribute), e.Event))
            .Where(e => e.Type is not null)
            .Select(e => (e.Type!, e.Event))
            .ToImmutableArray();
    }

    public INamedTypeSymbol MailFilter { get; }

    public INamedTypeSymbol? MilterVerdict { get; }

    public INamedTypeSymbol? SmtpReply { get; }

    public INamedTypeSymbol? EndOfMessageContext { get; }

    public INamedTypeSymbol? MilterMacros { get; }

    public INamedTypeSymbol? MacroAttribute { get; }

    public INamedTypeSymbol? RequestMacrosAttribute { get; }

    /// <summary>Each event attribute with its event.</summary>
    public ImmutableArray<(INamedTypeSymbol Type, MilterEvent Event)> Events { get; }

    /// <summary>The runtime's symbols, or null when the compilation does not reference Milter (nothing to check).</summary>
    public static MilterSymbols? Resolve(Compilation compilation) =>
        compilation.GetTypeByMetadataName(KnownNames.MailFilterAttribute) is { } mailFilter ? new MilterSymbols(compilation, mailFilter) : null;

    /// <summary>Whether a type carries [MailFilter].</summary>
    public bool IsFilter(INamedTypeSymbol type) => type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, MailFilter));

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
}
