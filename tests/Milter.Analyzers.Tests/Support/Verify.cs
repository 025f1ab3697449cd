using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>Runs an analyzer over test code with <c>{|MILTER0xx:…|}</c> markup, against the real Milter runtime.</summary>
internal static class Verify<TAnalyzer> where TAnalyzer : DiagnosticAnalyzer, new()
{
    private static readonly MetadataReference[] References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(MilterVerdict).Assembly.Location),
    ];

    private const string Usings = Pipeline.Usings;

    // The runtime's own assemblies, not a downloaded reference pack.
    private static readonly ReferenceAssemblies Runtime = new("net10.0");

    /// <summary>Checks the markup's diagnostics, plus <paramref name="expected"/> (for <c>{|#n:…|}</c> spans whose severity is not the rule's default).</summary>
    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = Usings + source, ReferenceAssemblies = Runtime };
        test.TestState.AdditionalReferences.AddRange(References);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource, params MetadataReference[] libraries) where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = Usings + source,
            FixedCode = Usings + fixedSource,
            ReferenceAssemblies = Runtime,
        };
        test.TestState.AdditionalReferences.AddRange([.. References, .. libraries]);
        test.FixedState.AdditionalReferences.AddRange([.. References, .. libraries]);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}
