using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Milter.Generators.Tests.Support;

namespace Milter.Generators.Tests;

/// <summary>The pipeline's models are value-equal, so an unrelated edit leaves the filter step cached and regenerates nothing.</summary>
public class IncrementalCachingTests
{
    private const string Filter = """
        using Milter;
        namespace Demo;
        [MailFilter]
        public partial class F
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext m) { m.AddHeader("X", "1"); return MilterVerdict.Continue; }
        }
        """;

    [Fact]
    public void An_unrelated_edit_keeps_the_filter_step_cached()
    {
        var compilation = GeneratorHarness.Compile(Filter, "namespace Other; public class Unrelated { }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { public int Changed; }", GeneratorHarness.ParseOptions));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var step = result.TrackedSteps[Milter.Generators.MilterFilterGenerator.FiltersStep];
        Assert.All(step.SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"was {o.Reason}"));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void An_edit_to_the_filter_regenerates_it()
    {
        var compilation = GeneratorHarness.Compile(Filter);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(Filter.Replace("m.AddHeader(\"X\", \"1\");", "m.Quarantine(\"q\");", StringComparison.Ordinal), GeneratorHarness.ParseOptions));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[Milter.Generators.MilterFilterGenerator.FiltersStep].SelectMany(s => s.Outputs),
            o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("ActionFlags.Quarantine", result.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_holds_no_symbols_syntax_or_compilations()
    {
        var compilation = GeneratorHarness.Compile(Filter);
        var result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        var model = result.TrackedSteps[Milter.Generators.MilterFilterGenerator.FiltersStep].Single().Outputs.Single().Value;

        AssertNoRoslynObjects(model!, new HashSet<object>(ReferenceEqualityComparer.Instance), "model");
    }

    private static void AssertNoRoslynObjects(object value, HashSet<object> seen, string path)
    {
        if (value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
            return;
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location or SyntaxTree, $"{path} holds a {value.GetType().Name}");
        if (value is System.Collections.IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
            {
                if (item is not null)
                    AssertNoRoslynObjects(item, seen, $"{path}[{i++}]");
            }

            return;
        }

        foreach (var property in value.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0))
        {
            if (property.GetValue(value) is { } child)
                AssertNoRoslynObjects(child, seen, $"{path}.{property.Name}");
        }
    }
}
