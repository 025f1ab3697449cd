using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Milter.Analyzers.Tests;

/// <summary>
/// All analyzers over a 200-class project: they must report nothing on correct code. Their time is written to
/// the test output (and docs/performance.md), not asserted.
/// </summary>
public class AnalyzerPerformanceTests
{
    private static string Filter(int i) => $$"""
        [MailFilter]
        public partial class Filter{{i}}
        {
            private int _headers;

            [OnConnect] public MilterVerdict Connect(ConnectionInfo connection, [Macro("j")] string? host) => MilterVerdict.Continue;
            [OnRcpt] public async Task<MilterVerdict> Rcpt(Recipient rcpt, [Macro("{rcpt_addr}")] string? address, CancellationToken ct)
            {
                await Task.Delay(0, ct);
                return rcpt.Address.EndsWith("@blocked{{i}}.example") ? MilterVerdict.Reject(550, "5.7.1", "Blocked") : MilterVerdict.Continue;
            }
            [OnHeader] public void Header(string name, string value) => _headers++;
            [OnBody] public MilterVerdict Body(ReadOnlyMemory<byte> chunk) => _headers > 100 ? MilterVerdict.Skip : MilterVerdict.Continue;
            [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext message)
            {
                Stamp(message);
                return MilterVerdict.Accept;
            }
            [OnAbort] public void Abort() => _headers = 0;
            private void Stamp(EndOfMessageContext message) => message.AddHeader("X-Filter", "{{i}} " + _headers);
        }
        """;

    [Fact]
    public async Task Two_hundred_filter_classes_are_analyzed_without_a_false_positive()
    {
        var sources = Enumerable.Range(0, 200).Select(i => CSharpSyntaxTree.ParseText(
            "using System; using System.Threading; using System.Threading.Tasks; using Milter;\n" + Filter(i), path: $"Filter{i}.cs"));
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(MilterVerdict).Assembly.Location));
        var compilation = CSharpCompilation.Create("Large", sources, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        ImmutableArray<DiagnosticAnalyzer> analyzers =
        [
            new FilterShapeAnalyzer(), new VerdictAnalyzer(), new MessageChangeAnalyzer(), new MacroAnalyzer(), new BlockingCallAnalyzer(),
        ];

        var started = Stopwatch.GetTimestamp();
        var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
        var wall = Stopwatch.GetElapsedTime(started);

        Assert.Empty(diagnostics);
        foreach (var analyzer in analyzers)
        {
            var telemetry = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, TestContext.Current.CancellationToken);
            TestContext.Current.TestOutputHelper!.WriteLine($"{analyzer.GetType().Name}: {telemetry.ExecutionTime.TotalMilliseconds:F0} ms");
        }

        TestContext.Current.TestOutputHelper!.WriteLine($"200 classes, all analyzers, wall clock including binding: {wall.TotalMilliseconds:F0} ms");
    }
}
