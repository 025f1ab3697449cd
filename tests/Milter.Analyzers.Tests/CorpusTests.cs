using System.Text.RegularExpressions;
using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>
/// Realistic user files (helpers, lambdas, LINQ, async, dependency injection, inheritance, Milter.Mime) must build with
/// no Milter diagnostic and no warning, and negotiate the actions their first line says.
/// </summary>
public partial class CorpusTests
{
    public static TheoryData<string> Files => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.cs").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Files))]
    public async Task A_realistic_file_is_silent_and_negotiates_what_it_says(string file)
    {
        var (source, result) = await BuildCleanAsync(file);

        foreach (Match expected in Expectation().Matches(source))
        {
            var actions = expected.Groups["actions"].Value.Split(',', StringSplitOptions.TrimEntries)
                .Select(Enum.Parse<ActionFlags>).Aggregate(ActionFlags.None, (a, b) => a | b);
            Assert.Equal((actions, ActionFlags.None), result.Negotiated(expected.Groups["class"].Value));
        }
    }

    /// <summary>A corpus file and its build, which must have no Milter diagnostic and no warning.</summary>
    internal static async Task<(string Source, PipelineResult Result)> BuildCleanAsync(string file)
    {
        var source = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Corpus", file), TestContext.Current.CancellationToken);
        var result = await Pipeline.RunAsync(source);
        Assert.True(result.Milter.Count == 0 && result.Compiler.Count == 0, result.ToString());
        return (source, result);
    }

    [GeneratedRegex(@"^// actions: (?<class>\w+) = (?<actions>[\w, ]+)$", RegexOptions.Multiline)]
    private static partial Regex Expectation();
}
