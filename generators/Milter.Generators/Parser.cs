using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Milter.Generators.Model;
using Milter.Generators.Rules;

namespace Milter.Generators;

/// <summary>
/// Turns a [MailFilter] class that <see cref="FilterRules"/> accepted into a <see cref="FilterSpec"/>. The rules have
/// checked every shape already, so anything unexpected here is a bug, thrown and reported as MILTER000.
/// </summary>
internal static class Parser
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static FilterSpec Parse(INamedTypeSymbol type, TypeDeclarationSyntax declaration, MilterSymbols symbols, CancellationToken cancellationToken)
    {
        var compilation = symbols.Compilation;
        var handlers = new List<HandlerSpec>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (symbols.EventOf(method) is { } e)
                handlers.Add(ParseHandler(method, e) ?? throw new InvalidOperationException($"the handler '{method.Name}' passed the rules but has a shape the emitter cannot adapt"));
        }

        var attribute = symbols.FilterAttribute(type) ?? throw new InvalidOperationException("[MailFilter] is gone");
        var name = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        uint extraActions = 0;
        bool inferActions = true, leadingSpace = false, rejectedRecipients = false;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "ExtraActions":
                    extraActions = System.Convert.ToUInt32(named.Value.Value ?? 0u, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "InferActions":
                    inferActions = named.Value.Value as bool? ?? true;
                    break;
                case "HeaderLeadingSpace":
                    leadingSpace = named.Value.Value as bool? ?? false;
                    break;
                case "RejectedRecipients":
                    rejectedRecipients = named.Value.Value as bool? ?? false;
                    break;
            }
        }

        var actions = extraActions & KnownNames.AllActions;
        uint optionalActions = 0;
        var flow = new ContextFlow(symbols).ForFilter(type, cancellationToken);
        if (inferActions)
        {
            actions |= flow.Actions & KnownNames.AllActions;
            // Code nobody can see may make any change: ask for every one the MTA offers rather than none.
            if (!flow.Escapes.IsEmpty)
                optionalActions = KnownNames.ChangeActions & ~actions;
        }

        var body = handlers.FirstOrDefault(h => h.Event == MilterEvent.Body);
        var skip = body is not null && body.Return is ReturnKind.Verdict or ReturnKind.ValueTaskOfVerdict or ReturnKind.TaskOfVerdict
            && ReturnsSkip(type, body.MethodName, compilation, cancellationToken);

        var steps = 0;
        var noReply = 0;
        foreach (var handler in handlers)
        {
            steps |= KnownNames.StepOf(handler.Event);
            if (handler.Return is ReturnKind.Void or ReturnKind.ValueTask or ReturnKind.Task)
                noReply |= KnownNames.StepOf(handler.Event);
        }

        // Code that reads Sender or Recipients needs MAIL or RCPT sent, handler or not (no reply is awaited without one).
        noReply |= flow.ReadsSteps & ~steps;
        steps |= flow.ReadsSteps;

        var constructor = FilterRules.ChooseConstructor(type, out var problem) ?? throw new InvalidOperationException(problem);
        return new FilterSpec(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            new EquatableArray<ContainingType>(Containers(type)),
            type.Name,
            Keyword(declaration),
            name ?? type.Name,
            steps,
            noReply,
            actions,
            optionalActions,
            skip,
            leadingSpace,
            rejectedRecipients,
            new EquatableArray<MacroSpec>(CollectMacros(type, handlers, symbols)),
            new EquatableArray<HandlerSpec>(handlers.OrderBy(h => h.Event)),
            new EquatableArray<ConstructorParameter>(ParseConstructor(constructor)));
    }

    /// <summary>What a placeholder for a class the rules refuse needs: where it is declared.</summary>
    public static PlaceholderSpec Placeholder(INamedTypeSymbol type, TypeDeclarationSyntax declaration) => new(
        type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
        new EquatableArray<ContainingType>(Containers(type)),
        type.Name,
        Keyword(declaration));

    private static HandlerSpec? ParseHandler(IMethodSymbol method, MilterEvent e)
    {
        var returns = HandlerShapes.ReturnKindOf(method.ReturnType);
        if (returns is null)
            return null;
        if (!HandlerShapes.ReturnAllowed(e, returns.Value))
            return null;

        var arguments = new List<ArgumentSpec>();
        var strings = 0;
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
                return null;
            var argument = HandlerShapes.ArgumentOf(parameter, e, ref strings);
            if (argument is null)
                return null;
            arguments.Add(argument);
        }

        return new HandlerSpec(e, method.Name, returns.Value, new EquatableArray<ArgumentSpec>(arguments));
    }

    /// <summary>Whether the body handler mentions MilterVerdict.Skip, so SMFIP_SKIP is worth requesting.</summary>
    private static bool ReturnsSkip(INamedTypeSymbol type, string methodName, Compilation compilation, CancellationToken cancellationToken)
    {
        foreach (var method in type.GetMembers(methodName).OfType<IMethodSymbol>())
        {
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                var syntax = reference.GetSyntax(cancellationToken);
                var model = compilation.GetSemanticModel(syntax.SyntaxTree);
                foreach (var access in syntax.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
                {
                    if (access.Name.Identifier.ValueText == "Skip"
                        && model.GetSymbolInfo(access, cancellationToken).Symbol is IPropertySymbol { ContainingType: { } owner }
                        && owner.ToDisplayString() == KnownNames.MilterVerdict)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>Macro lists per stage: the handlers' [Macro] parameters and the class's [RequestMacros], plus <c>i</c> so the queue id stays known.</summary>
    private static List<MacroSpec> CollectMacros(INamedTypeSymbol type, List<HandlerSpec> handlers, MilterSymbols symbols)
    {
        var stages = new SortedDictionary<int, List<string>>();
        void Add(int stage, string name)
        {
            if (stage < 0)
                return;
            if (!stages.TryGetValue(stage, out var names))
                stages[stage] = names = new List<string>();
            if (!names.Contains(name))
                names.Add(name);
        }

        foreach (var handler in handlers)
        {
            foreach (var argument in handler.Arguments)
            {
                if (argument.Kind == ArgumentKind.Macro)
                    Add(KnownNames.MacroStageOf(handler.Event), argument.MacroName!);
            }
        }

        foreach (var attribute in type.GetAttributes().Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, symbols.RequestMacrosAttribute)))
        {
            if (attribute.ConstructorArguments.Length < 2 || attribute.ConstructorArguments[0].Value is not uint stage)
                continue;
            foreach (var value in attribute.ConstructorArguments[1].Values)
            {
                if (value.Value is string name && name.Length > 0)
                    Add((int)stage, name);
            }
        }

        // A requested list replaces the MTA's list for that stage; keep the queue id.
        foreach (var names in stages.Values)
        {
            if (!names.Contains("i") && !names.Contains("{i}"))
                names.Add("i");
        }

        return stages.Select(s => new MacroSpec(s.Key, new EquatableArray<EquatableString>(s.Value.Select(n => new EquatableString(n))))).ToList();
    }

    /// <summary>The parameters of the constructor the factory calls, each resolved from the service provider or defaulted.</summary>
    private static List<ConstructorParameter> ParseConstructor(IMethodSymbol constructor)
    {
        var parameters = new List<ConstructorParameter>();
        foreach (var parameter in constructor.Parameters)
        {
            var typeName = parameter.Type.ToDisplayString(TypeFormat);
            string? fallback = null;
            if (parameter.HasExplicitDefaultValue)
                fallback = Literal(parameter.ExplicitDefaultValue, parameter.Type);
            else if (parameter.NullableAnnotation == NullableAnnotation.Annotated || parameter.Type.IsValueType)
                fallback = "default";
            parameters.Add(new ConstructorParameter(parameter.Name, typeName, fallback is not null, fallback));
        }

        return parameters;
    }

    private static string Literal(object? value, ITypeSymbol type) => value switch
    {
        null => "default",
        string s => SymbolDisplay.FormatLiteral(s, quote: true),
        bool b => b ? "true" : "false",
        char c => SymbolDisplay.FormatLiteral(c, quote: true),
        _ when type.TypeKind == TypeKind.Enum => $"({type.ToDisplayString(TypeFormat)}){SymbolDisplay.FormatPrimitive(value, quoteStrings: false, useHexadecimalNumbers: false)}",
        _ => $"({type.ToDisplayString(TypeFormat)}){SymbolDisplay.FormatPrimitive(value, quoteStrings: false, useHexadecimalNumbers: false)}",
    };

    private static List<ContainingType> Containers(INamedTypeSymbol type)
    {
        var containers = new List<ContainingType>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var syntax = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().First();
            containers.Insert(0, new ContainingType(Keyword(syntax), outer.Name));
        }

        return containers;
    }

    private static string Keyword(TypeDeclarationSyntax syntax) => syntax switch
    {
        RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        _ => "class",
    };
}
