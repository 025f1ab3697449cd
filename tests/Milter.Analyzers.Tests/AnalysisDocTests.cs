using System.Text.RegularExpressions;
using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>
/// docs/analysis.md's examples build as it says: each C# block's first line ("// expect: clean; actions: ..." or
/// "// expect: MILTER009, ...") is what the generator and analyzers must make of it.
/// </summary>
public partial class AnalysisDocTests
{
    public static TheoryData<int> Blocks => new(Enumerable.Range(0, Examples().Count));

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task An_example_in_docs_analysis_md_builds_as_the_page_says(int index)
    {
        var (expect, code) = Examples()[index];
        var result = await Pipeline.RunAsync(code);

        Assert.True(result.Compiler.Count == 0, result.ToString());
        var clean = expect.StartsWith("clean", StringComparison.Ordinal);
        var ids = clean ? [] : expect.Split(',', StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToList();
        Assert.True(ids.SequenceEqual(result.Ids), $"expected [{string.Join(", ", ids)}]:\n{result}");
        if (Actions().Match(expect) is { Success: true } actions)
        {
            var flags = actions.Groups["flags"].Value.Split(',', StringSplitOptions.TrimEntries).Select(Enum.Parse<ActionFlags>).Aggregate((a, b) => a | b);
            Assert.Equal((flags, ActionFlags.None), result.Negotiated(actions.Groups["class"].Value));
        }
    }

    private static List<(string Expect, string Code)> Examples()
    {
        var page = File.ReadAllText(Path.Combine(Root(), "docs", "analysis.md"));
        return [.. Block().Matches(page).Select(m => (m.Groups["expect"].Value.Trim(), m.Groups["code"].Value))];
    }

    /// <summary>The repository root (where Milter.sln is).</summary>
    internal static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Milter.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException("Milter.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```csharp\n// expect: (?<expect>[^\n]+)\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"actions: (?<class>\w+) = (?<flags>[\w, ]+)$")]
    private static partial Regex Actions();
}
