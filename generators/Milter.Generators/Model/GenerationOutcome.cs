using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Milter.Generators.Rules;

namespace Milter.Generators.Model;

/// <summary>What the generator makes of one class: code to emit, a failure to report, or nothing (the analyzers explain).</summary>
internal sealed record GenerationOutcome(FilterSpec? Spec, GeneratorFailure? Failure)
{
    public static GenerationOutcome Skipped { get; } = new(null, null);
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
