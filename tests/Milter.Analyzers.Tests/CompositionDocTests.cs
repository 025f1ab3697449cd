using System.Text.RegularExpressions;
using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>docs/composition.md's C# blocks build together, as a user's project would: generator, analyzers, compiler, all clean.</summary>
public partial class CompositionDocTests
{
    [Fact]
    public async Task The_examples_of_docs_composition_md_build_without_a_diagnostic()
    {
        var page = await File.ReadAllTextAsync(Path.Combine(AnalysisDocTests.Root(), "docs", "composition.md"), TestContext.Current.CancellationToken);
        var blocks = Block().Matches(page).Select(m => m.Groups["code"].Value).ToArray();

        var result = await Pipeline.RunAsync(blocks);

        Assert.True(blocks.Length >= 3, $"{blocks.Length} C# blocks in docs/composition.md");
        Assert.True(result.Compiler.Count == 0 && result.Milter.Count == 0, result.ToString());
        Assert.True(result.Completed("Policy") && result.Completed("Stamp"), result.ToString());
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();
}
