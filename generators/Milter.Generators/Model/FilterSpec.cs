using System.Linq;

namespace Milter.Generators.Model;

/// <summary>Everything the emitter needs about one filter class: strings, numbers and arrays only, no symbols or syntax.</summary>
internal sealed record FilterSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string ClassName,
    string Keyword,
    string FilterName,
    int Steps,
    int NoReplySteps,
    uint Actions,
    uint OptionalActions,
    bool Skip,
    bool HeaderLeadingSpace,
    bool RejectedRecipients,
    EquatableArray<MacroSpec> Macros,
    EquatableArray<HandlerSpec> Handlers,
    EquatableArray<ConstructorParameter> ConstructorParameters)
{
    /// <summary>A hint name unique per class, stable across builds.</summary>
    public string HintName => string.Join(".", new[] { Namespace ?? "global" }.Concat(ContainingTypes.Select(t => t.Name)).Concat(new[] { ClassName })) + ".Milter.g.cs";
}

/// <summary>A type that contains the filter class and must be re-opened as partial.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>Macro names requested for one stage (the SMFIM wire number).</summary>
internal sealed record MacroSpec(int Stage, EquatableArray<EquatableString> Names);

/// <summary>A string that can live in an <see cref="EquatableArray{T}"/>.</summary>
internal readonly record struct EquatableString(string Value)
{
    public override string ToString() => Value;
}

/// <summary>A constructor parameter, resolved from the service provider.</summary>
internal sealed record ConstructorParameter(string Name, string Type, bool Optional, string? DefaultValue);
