using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Milter.Generators.Model;

namespace Milter.Generators;

/// <summary>
/// Turns an attributed class into a <see cref="FilterSpec"/>. Returns null for any shape it cannot handle:
/// the generator then emits nothing for the class and the analyzers explain why.
/// </summary>
internal static class Parser
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static FilterSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
            return null;
        if (type.IsGenericType || type.IsStatic || type.IsAbstract || !IsPartial(type) || !AllContainersPartial(type, out var containers))
            return null;
        if (type.AllInterfaces.Any(i => i.ToDisplayString() == "Milter.IMilterHandler"))
            return null;

        var compilation = context.SemanticModel.Compilation;
        var handlers = new List<HandlerSpec>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var events = method.GetAttributes()
                .Select(a => KnownNames.EventAttributes.FirstOrDefault(e => e.Attribute == a.AttributeClass?.ToDisplayString()))
                .Where(e => e.Attribute is not null)
                .ToList();
            if (events.Count == 0)
                continue;
            if (events.Count > 1 || method.IsStatic || method.IsGenericMethod || method.MethodKind != MethodKind.Ordinary)
                return null;
            var handler = ParseHandler(method, events[0].Event);
            if (handler is null || handlers.Any(h => h.Event == handler.Event))
                return null;
            handlers.Add(handler);
        }

        var attribute = context.Attributes[0];
        var name = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        uint extraActions = 0;
        bool inferActions = true, leadingSpace = false, rejectedRecipients = false;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "ExtraActions":
                    extraActions = named.Value.Value is uint u ? u : (uint)(named.Value.Value as int? ?? 0);
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

        var actions = extraActions & 0x1FF;
        if (inferActions)
            actions |= InferActions(type, compilation, cancellationToken);
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

        var constructor = ParseConstructor(type);
        if (constructor is null)
            return null;

        return new FilterSpec(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            new EquatableArray<ContainingType>(containers),
            type.Name,
            Keyword(declaration),
            name ?? type.Name,
            steps,
            noReply,
            actions,
            skip,
            leadingSpace,
            rejectedRecipients,
            new EquatableArray<MacroSpec>(CollectMacros(type, handlers)),
            new EquatableArray<HandlerSpec>(handlers.OrderBy(h => h.Event)),
            new EquatableArray<ConstructorParameter>(constructor));
    }

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

    /// <summary>
    /// The union of the actions the class's own code needs: every call it makes on EndOfMessageContext, and every
    /// call of a helper marked [UsesActions].
    /// </summary>
    private static uint InferActions(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        uint actions = 0;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax(cancellationToken);
            SemanticModel? model = null;
            foreach (var invocation in syntax.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                var calledName = invocation.Expression switch
                {
                    MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                    MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                    _ => null,
                };
                if (calledName is null)
                    continue;
                model ??= compilation.GetSemanticModel(syntax.SyntaxTree);
                if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol called)
                    continue;
                if (called.ContainingType?.ToDisplayString() == KnownNames.EndOfMessageContext)
                    actions |= calledName == "AddRecipient" ? AddRecipientActions(invocation) : KnownNames.ActionOf(calledName);
                else
                    actions |= DeclaredActions(called.ReducedFrom ?? called);
            }
        }

        return actions;
    }

    /// <summary>The actions a helper declares with [UsesActions], or 0.</summary>
    private static uint DeclaredActions(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == KnownNames.UsesActionsAttribute
                && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is { } value)
            {
                return System.Convert.ToUInt32(value, System.Globalization.CultureInfo.InvariantCulture) & 0x1FF;
            }
        }

        return 0;
    }

    /// <summary>AddRecipient without ESMTP arguments needs ADDRCPT, with them ADDRCPT_PAR; a value not known at compile time may be either.</summary>
    private static uint AddRecipientActions(InvocationExpressionSyntax invocation)
    {
        var arguments = invocation.ArgumentList.Arguments;
        if (arguments.Count < 2)
            return 0x004;
        return arguments[1].Expression switch
        {
            LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NullLiteralExpression) => 0x004,
            LiteralExpressionSyntax literal when literal.Token.ValueText.Length > 0 => KnownNames.AddRecipientsWithParameters,
            _ => 0x004 | KnownNames.AddRecipientsWithParameters,
        };
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
    private static List<MacroSpec> CollectMacros(INamedTypeSymbol type, List<HandlerSpec> handlers)
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

        foreach (var attribute in type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == KnownNames.RequestMacrosAttribute))
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

    /// <summary>The constructor with the most parameters, as dependency injection picks it.</summary>
    private static List<ConstructorParameter>? ParseConstructor(INamedTypeSymbol type)
    {
        var constructor = type.InstanceConstructors
            .Where(c => c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.Private or Accessibility.ProtectedOrInternal)
            .OrderByDescending(c => c.Parameters.Length)
            .FirstOrDefault();
        if (constructor is null)
            return null;

        var parameters = new List<ConstructorParameter>();
        foreach (var parameter in constructor.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
                return null;
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

    private static bool IsPartial(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static bool AllContainersPartial(INamedTypeSymbol type, out List<ContainingType> containers)
    {
        containers = new List<ContainingType>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType || !IsPartial(outer))
                return false;
            var syntax = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().First();
            containers.Insert(0, new ContainingType(Keyword(syntax), outer.Name));
        }

        return true;
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
