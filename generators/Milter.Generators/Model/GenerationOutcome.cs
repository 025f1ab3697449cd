using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Milter.Generators.Rules;

namespace Milter.Generators.Model;

/// <summary>
/// What the generator makes of one class: code to emit, a failure to report, a placeholder (the class has a MILTER
/// error the analyzers report), or nothing.
/// </summary>
internal sealed record GenerationOutcome(FilterSpec? Spec, GeneratorFailure? Failure, PlaceholderSpec? Placeholder = null)
{
    public static GenerationOutcome Skipped { get; } = new(null, null);
}

/// <summary>
/// A class with a MILTER error that generated code can still extend: it gets the IMilterFilter members only, so
/// <c>MilterServer.RunAsync&lt;T&gt;()</c> in Program.cs compiles and the MILTER error is the one error the user sees.
/// </summary>
internal sealed record PlaceholderSpec(string? Namespace, EquatableArray<ContainingType> ContainingTypes, string ClassName, string Keyword)
{
    /// <summary>Ends in .Milter.g.cs, as generated code the rules know; never the name a completed class's file has.</summary>
    public string HintName => string.Join(".", new[] { Namespace ?? "global" }.Concat(ContainingTypes.Select(t => t.Name)).Concat(new[] { ClassName, "Placeholder" })) + ".Milter.g.cs";
}

/// <summary>An exception inside the generator, kept as plain values so the pipeline stays cacheable.</summary>
internal sealed record GeneratorFailure(string ClassName, string Message, string? FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static GeneratorFailure Create(INamedTypeSymbol type, System.Exception exception)
    {
        var location = type.Locations.Length > 0 ? type.Locations[0] : Location.None;
        var line = location.GetLineSpan();
        var where = exception.StackTrace?.Split('\n') is { Length: > 0 } frames ? " " + frames[0].Trim() : string.Empty;
        return new GeneratorFailure(type.Name, $"{exception.GetType().Name}: {exception.Message}{where}", location.IsInSource ? line.Path : null, location.SourceSpan, line.Span);
    }

    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptors.GeneratorFailed,
        FilePath is null ? Location.None : Location.Create(FilePath, Span, LineSpan), ClassName, Message);
}
