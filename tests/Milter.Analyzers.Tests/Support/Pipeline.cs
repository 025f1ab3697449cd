using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Milter.Generators;

namespace Milter.Analyzers.Tests.Support;

/// <summary>
/// Builds user code the way a build does: the generator first, then every Milter analyzer over the result, with the
/// compiler's own errors. Tells what was reported, whether the output compiles, and what each filter negotiates.
/// </summary>
internal static partial class Pipeline
{
    public const string Usings = "using System; using System.Collections.Generic; using System.Linq; using System.Threading; using System.Threading.Tasks; using Milter; using Milter.Protocol;\n";

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(MilterVerdict).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Mime.MessageCapture).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(MimeKit.MimeMessage).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
    [
        .. typeof(MilterAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    /// <summary>Compiles a library from source into metadata: code the generator and analyzers cannot read, as a NuGet package would be.</summary>
    public static MetadataReference Library(string source)
    {
        var compilation = CSharpCompilation.Create("Library" + Guid.NewGuid().ToString("N")[..8],
            [CSharpSyntaxTree.ParseText(Usings + source, ParseOptions)], References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    public static async Task<PipelineResult> RunAsync(string[] sources, params MetadataReference[] libraries)
    {
        var input = CSharpCompilation.Create("User",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(Usings + s, ParseOptions, path: $"Source{i}.cs")),
            References.AddRange(libraries),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new MilterFilterGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out var output, out var generatorDiagnostics);
        var generated = driver.GetRunResult().GeneratedTrees.ToDictionary(t => Path.GetFileName(t.FilePath), t => t.ToString());
        var all = await output.WithAnalyzers(Analyzers, new CompilationWithAnalyzersOptions(
                new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false))
            .GetAllDiagnosticsAsync(TestContext.Current.CancellationToken);
        var milter = generatorDiagnostics.Concat(all.Where(d => d.Id.StartsWith("MILTER", StringComparison.Ordinal))).ToList();
        var compiler = all.Where(d => !d.Id.StartsWith("MILTER", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning).ToList();
        return new PipelineResult(milter, compiler, generated, output);
    }

    public static Task<PipelineResult> RunAsync(string source, params MetadataReference[] libraries) => RunAsync([source], libraries);

    [GeneratedRegex(@"^\s*(?<name>Actions|OptionalActions) = (?<flags>[^,]+),", RegexOptions.Multiline)]
    internal static partial Regex ActionLine();
}

/// <summary>What a build of user code produced.</summary>
internal sealed record PipelineResult(IReadOnlyList<Diagnostic> Milter, IReadOnlyList<Diagnostic> Compiler, IReadOnlyDictionary<string, string> Generated, Compilation Output)
{
    /// <summary>The ids reported, sorted, one per diagnostic.</summary>
    public IReadOnlyList<string> Ids => [.. Milter.Select(d => d.Id).Order(StringComparer.Ordinal)];

    /// <summary>Whether the generator completed the class.</summary>
    public bool Completed(string className) => Generated.Keys.Any(k => k.EndsWith("." + className + ".Milter.g.cs", StringComparison.Ordinal) || k == className + ".Milter.g.cs");

    /// <summary>The required and optional actions the generated description of a class asks for.</summary>
    public (ActionFlags Actions, ActionFlags Optional) Negotiated(string className)
    {
        var file = Generated.Single(g => g.Key.EndsWith("." + className + ".Milter.g.cs", StringComparison.Ordinal)).Value;
        ActionFlags actions = 0, optional = 0;
        foreach (Match line in Pipeline.ActionLine().Matches(file))
        {
            var flags = line.Groups["flags"].Value.Split('|', StringSplitOptions.TrimEntries)
                .Select(f => Enum.Parse<ActionFlags>(f[(f.LastIndexOf('.') + 1)..]))
                .Aggregate(ActionFlags.None, (a, b) => a | b);
            if (line.Groups["name"].Value == "Actions")
                actions = flags;
            else
                optional = flags;
        }

        return (actions, optional);
    }

    /// <summary>A readable dump for assertion messages.</summary>
    public override string ToString() => string.Join("\n", Milter.Concat(Compiler).Select(d => d.ToString()));
}
