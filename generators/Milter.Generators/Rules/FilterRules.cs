using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Milter.Generators.Model;

namespace Milter.Generators.Rules;

/// <summary>
/// Whether the generator can complete a [MailFilter] class, and if not, why. The generator emits code exactly when
/// these rules find no error, and the analyzers report what they find: one source, so a class is never skipped in
/// silence and never reported while it builds.
/// </summary>
internal static class FilterRules
{
    /// <summary>Every problem with a filter class and its handlers that keeps the generator from completing it (errors) or deserves a word (warnings).</summary>
    public static List<Diagnostic> Check(INamedTypeSymbol type, MilterSymbols symbols, CancellationToken cancellationToken)
    {
        var found = new List<Diagnostic>();
        var location = type.Locations.FirstOrDefault();
        CheckClass(type, symbols, location, found);
        CheckHandlers(type, symbols, found, cancellationToken);
        CheckRequestedMacros(type, symbols, found, cancellationToken);
        return found;
    }

    /// <summary>Whether any of the problems stops the generator.</summary>
    public static bool Blocks(IEnumerable<Diagnostic> problems) => problems.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>
    /// Whether generated code can add the IMilterFilter members to a class the rules refuse: partial all the way out,
    /// not static, generic or file-local, not an IMilterHandler already, with no Description or Create of its own.
    /// </summary>
    public static bool CanExtend(INamedTypeSymbol type, MilterSymbols symbols)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType || current.IsFileLocal)
                return false;
        }

        return IsPartialAll(type) && !type.IsStatic && !ImplementsHandler(type, symbols)
            && type.GetMembers().All(m => m.Name is not ("Description" or "Create") || m.DeclaringSyntaxReferences.All(r => IsGenerated(r.SyntaxTree)));
    }

    /// <summary>Handler attributes on a type without [MailFilter]: nothing will ever call them.</summary>
    public static Diagnostic? CheckNonFilter(INamedTypeSymbol type, MilterSymbols symbols) =>
        type.GetMembers().OfType<IMethodSymbol>().Any(m => symbols.EventsOf(m).Length > 0)
            ? Diagnostic.Create(Descriptors.HandlerNeverCalled, type.Locations.FirstOrDefault(),
                $"'{type.Name}' has handler attributes but no [MailFilter]; add [MailFilter] or the handlers are never called")
            : null;

    /// <summary>
    /// The constructor the factory calls, as dependency injection picks it: the one with the most parameters, each of
    /// which a service provider can supply. Null with the reason when there is none.
    /// </summary>
    public static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, out string? problem)
    {
        problem = null;
        var candidates = type.InstanceConstructors.Where(c => !IsCopyConstructor(c, type)).ToList();
        var usable = candidates.Where(c => c.Parameters.All(CanResolve)).ToList();
        if (usable.Count == 0)
        {
            var parameter = candidates.SelectMany(c => c.Parameters).FirstOrDefault(p => !CanResolve(p));
            problem = parameter is null
                ? "it has no constructor"
                : $"no constructor can be called: parameter '{parameter.Name}' ({Describe(parameter)}) cannot come from a service provider";
            return null;
        }

        var most = usable.Max(c => c.Parameters.Length);
        var chosen = usable.Where(c => c.Parameters.Length == most).ToList();
        if (chosen.Count > 1)
        {
            problem = $"{chosen.Count} constructors take {most} parameters, and the factory would not know which to call; keep one with the most parameters";
            return null;
        }

        return chosen[0];
    }

    private static void CheckClass(INamedTypeSymbol type, MilterSymbols symbols, Location? location, List<Diagnostic> found)
    {
        if (type.IsGenericType)
            found.Add(Diagnostic.Create(Descriptors.GenericFilter, location, type.Name, "is generic"));
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType)
                found.Add(Diagnostic.Create(Descriptors.GenericFilter, location, type.Name, $"is nested in the generic type '{outer.Name}'"));
        }

        if (!IsPartialAll(type))
            found.Add(Diagnostic.Create(Descriptors.NotPartial, location, type.Name));

        void CannotComplete(string reason) => found.Add(Diagnostic.Create(Descriptors.FilterNotCompletable, location, type.Name, reason));
        if (type.IsStatic)
            CannotComplete("it is static, but a filter has one instance per SMTP connection; remove 'static'");
        else if (type.IsAbstract)
            CannotComplete("it is abstract, and the generator creates instances of it; put [MailFilter] on the concrete class");
        if (type.IsFileLocal)
            CannotComplete("it is a file-local type, which generated code in another file cannot extend; remove 'file'");
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsFileLocal)
                CannotComplete($"it is nested in the file-local type '{outer.Name}', which generated code in another file cannot extend");
        }

        if (ImplementsHandler(type, symbols))
            CannotComplete("it already implements IMilterHandler (itself or through a base class); let the generator implement it, or drop [MailFilter] and write the handler by hand");
        foreach (var member in type.GetMembers())
        {
            if (!member.DeclaringSyntaxReferences.Any(r => !IsGenerated(r.SyntaxTree)))
                continue;
            if (member.Name == "Description")
                CannotComplete("it declares a member named 'Description', which the generator adds (the negotiation it works out); rename it");
            if (member is IMethodSymbol { Name: "Create", Parameters.Length: 1 } create && SymbolEqualityComparer.Default.Equals(create.Parameters[0].Type.OriginalDefinition, symbols.ServiceProvider))
                CannotComplete("it declares Create(IServiceProvider), which the generator adds (the factory); rename it");
        }

        if (type.IsStatic || type.IsAbstract)
            return;
        if (ChooseConstructor(type, out var problem) is not { } constructor)
        {
            CannotComplete(problem!);
            return;
        }

        var required = RequiredMembers(type).FirstOrDefault();
        if (required is not null && !constructor.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, symbols.SetsRequiredMembers)))
            CannotComplete($"its required member '{required.Name}' cannot be set by the factory; set it in the constructor and mark the constructor [SetsRequiredMembers], or drop 'required'");
    }

    private static void CheckHandlers(INamedTypeSymbol type, MilterSymbols symbols, List<Diagnostic> found, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<MilterEvent, IMethodSymbol>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var events = symbols.EventsOf(method);
            if (events.Length == 0)
                continue;
            var location = method.Locations.FirstOrDefault();
            if (events.Length > 1)
            {
                found.Add(Diagnostic.Create(Descriptors.TwoEvents, location, method.Name, AttributeName(events[0]), AttributeName(events[1])));
                continue;
            }

            var e = events[0];
            if (seen.TryGetValue(e, out var first))
            {
                found.Add(Diagnostic.Create(Descriptors.DuplicateHandler, location, first.Name, method.Name, AttributeName(e)));
                continue;
            }

            seen[e] = method;
            CheckHandler(method, e, symbols, found);
        }
    }

    private static void CheckHandler(IMethodSymbol method, MilterEvent e, MilterSymbols symbols, List<Diagnostic> found)
    {
        var location = method.Locations.FirstOrDefault();
        var wrongKind = method.MethodKind != MethodKind.Ordinary ? "not an ordinary method"
            : method.IsStatic ? "static"
            : method.IsGenericMethod ? "generic"
            : method.IsAbstract ? "abstract"
            : null;
        if (wrongKind is not null)
        {
            found.Add(Diagnostic.Create(Descriptors.StaticOrGeneric, location, method.Name, wrongKind));
            return;
        }

        if (method.ReturnsVoid && method.IsAsync)
        {
            found.Add(Diagnostic.Create(Descriptors.AsyncVoid, ReturnTypeLocation(method) ?? location, $"The [{AttributeName(e)}] handler '{method.Name}'",
                HandlerShapes.ReturnAllowed(e, ReturnKind.Verdict) ? "return async ValueTask (or Task), or ValueTask<MilterVerdict> to decide" : "return async ValueTask (or Task)"));
            return;
        }

        var returns = HandlerShapes.ReturnKindOf(method.ReturnType);
        if (returns is null || !HandlerShapes.ReturnAllowed(e, returns.Value))
        {
            found.Add(BadShape(method, e, $"it returns {method.ReturnType.ToDisplayString()}", ReturnTypeLocation(method) ?? location));
            return;
        }

        var strings = 0;
        foreach (var parameter in method.Parameters)
        {
            var parameterLocation = parameter.Locations.FirstOrDefault() ?? location;
            var macro = parameter.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, symbols.MacroAttribute));
            if (macro is not null)
            {
                var name = macro.ConstructorArguments.FirstOrDefault().Value as string ?? string.Empty;
                var attributeLocation = macro.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? parameterLocation;
                if (MacroNames.Problem(name, requested: true) is { } problem)
                {
                    found.Add(Diagnostic.Create(Descriptors.BadMacroName, attributeLocation, Quoted(name), problem));
                    return;
                }

                if (!HandlerShapes.IsMacroType(parameter.Type))
                {
                    found.Add(BadShape(method, e, $"[Macro] parameter '{parameter.Name}' must be string? (null when the MTA did not send the macro), not {parameter.Type.ToDisplayString()}", parameterLocation));
                    return;
                }
            }

            if (parameter.RefKind != RefKind.None || HandlerShapes.ArgumentOf(parameter, e, ref strings) is null)
            {
                found.Add(BadShape(method, e, $"parameter '{parameter.Name}' of type {parameter.Type.ToDisplayString()} has no meaning here", parameterLocation));
                return;
            }
        }
    }

    private static void CheckRequestedMacros(INamedTypeSymbol type, MilterSymbols symbols, List<Diagnostic> found, CancellationToken cancellationToken)
    {
        foreach (var attribute in type.GetAttributes().Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, symbols.RequestMacrosAttribute)))
        {
            if (attribute.ConstructorArguments.Length < 2 || attribute.ConstructorArguments[1].Kind != TypedConstantKind.Array)
                continue;
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? type.Locations.FirstOrDefault();
            foreach (var value in attribute.ConstructorArguments[1].Values)
            {
                var name = value.Value as string ?? string.Empty;
                if (MacroNames.Problem(name, requested: true) is { } problem)
                    found.Add(Diagnostic.Create(Descriptors.BadMacroName, location, Quoted(name), problem));
            }
        }
    }

    private static Diagnostic BadShape(IMethodSymbol method, MilterEvent e, string problem, Location? location) =>
        Diagnostic.Create(Descriptors.BadShape, location, method.Name, AttributeName(e), problem, HandlerShapes.AllowedReturns(e), HandlerShapes.AllowedParameters(e));

    /// <summary>The attribute's name without "Attribute", for messages.</summary>
    public static string AttributeName(MilterEvent e) => "On" + e;

    private static string Quoted(string name) => "\"" + name + "\"";

    private static Location? ReturnTypeLocation(IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>().FirstOrDefault()?.ReturnType.GetLocation();

    /// <summary>Whether the type and every type containing it are declared partial.</summary>
    public static bool IsPartialAll(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (!current.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword)))
                return false;
        }

        return true;
    }

    /// <summary>Whether a tree is this generator's output (seen by the analyzers, which run after it).</summary>
    public static bool IsGenerated(SyntaxTree tree) => tree.FilePath.EndsWith(".Milter.g.cs", System.StringComparison.Ordinal);

    /// <summary>Whether the user's code (not the generated part) makes the type an IMilterHandler: a base class, or an interface it lists.</summary>
    private static bool ImplementsHandler(INamedTypeSymbol type, MilterSymbols symbols)
    {
        if (symbols.MilterHandler is not { } handler)
            return false;
        if (type.BaseType is { } baseType && baseType.AllInterfaces.Contains(handler, SymbolEqualityComparer.Default))
            return true;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (IsGenerated(reference.SyntaxTree) || reference.GetSyntax() is not TypeDeclarationSyntax { BaseList: { } bases })
                continue;
#pragma warning disable RS1030 // The generator and the analyzers must decide alike; the base list needs its model.
            var model = symbols.Compilation.GetSemanticModel(reference.SyntaxTree);
#pragma warning restore RS1030
            foreach (var listed in bases.Types)
            {
                if (model.GetTypeInfo(listed.Type).Type is INamedTypeSymbol face
                    && (SymbolEqualityComparer.Default.Equals(face, handler) || face.AllInterfaces.Contains(handler, SymbolEqualityComparer.Default)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A record's compiler-made copy constructor: the factory must never pick it.</summary>
    private static bool IsCopyConstructor(IMethodSymbol constructor, INamedTypeSymbol type) =>
        type.IsRecord && constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type);

    /// <summary>Whether a service provider can supply a constructor parameter: passed by value, and a type that can be a generic argument.</summary>
    private static bool CanResolve(IParameterSymbol parameter) =>
        parameter.RefKind == RefKind.None
        && parameter.Type.TypeKind is not (TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.Error or TypeKind.TypeParameter)
        && !parameter.Type.IsRefLikeType && !parameter.Type.IsStatic && parameter.Type.SpecialType != SpecialType.System_Void;

    private static string Describe(IParameterSymbol parameter) =>
        parameter.RefKind != RefKind.None ? $"passed by {parameter.RefKind.ToString().ToLowerInvariant()}" : parameter.Type.ToDisplayString();

    private static IEnumerable<ISymbol> RequiredMembers(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })
                    yield return member;
            }
        }
    }
}
