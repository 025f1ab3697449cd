using System.Text.RegularExpressions;
using Milter.IntegrationTests.Support;

namespace Milter.Testing.Tests;

/// <summary>
/// Every relative link of README.md and the pages under docs/ leads somewhere: to a file or folder of the repository,
/// and, with a #fragment, to a heading of the page it names (GitHub's anchors); the README stays a front door.
/// </summary>
public sealed partial class DocsLinkTests
{
    private static IEnumerable<string> Pages() =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Prepend(Path.Combine(Repository.Root, "README.md"));

    [Fact]
    public void Every_relative_link_and_anchor_of_the_docs_resolves()
    {
        var broken = new List<string>();
        foreach (var page in Pages())
        {
            var text = File.ReadAllText(page);
            foreach (Match link in Link().Matches(CodeSpan().Replace(text, string.Empty)))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                    continue;
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? target : target[..hash];
                var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, path));
                var where = $"{Path.GetRelativePath(Repository.Root, page)}: ({target})";
                if (!File.Exists(file) && !Directory.Exists(file))
                    broken.Add($"{where}: no such file");
                else if (hash >= 0 && !Anchors(File.ReadAllText(file)).Contains(target[(hash + 1)..]))
                    broken.Add($"{where}: no such heading");
            }
        }

        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void The_README_is_a_front_door_of_at_most_200_lines_with_code_on_the_first_screen()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        Assert.True(lines.Length <= 200, $"README.md has {lines.Length} lines");
        Assert.True(Array.IndexOf(lines, "```csharp") is >= 0 and < 15, "the filter should be on the first screen");
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        [.. Heading().Matches(markdown).Select(m => Punctuation().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-'))];

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"```.*?```|`[^`\n]*`", RegexOptions.Singleline)]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^#+ (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N} _-]")]
    private static partial Regex Punctuation();
}
