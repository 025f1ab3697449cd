using System.Text.RegularExpressions;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// The code blocks of a Markdown page, as a user copies them: the command lines of its ```sh blocks (comment-only lines
/// left out) and the text of its ```csharp blocks, in order. A block preceded by a line
/// <c>&lt;!-- not run by the docs test: REASON --&gt;</c> is one a reader is not told to run here (the packages from
/// nuget.org, before they are published); it is left out, and the page says why.
/// </summary>
internal static partial class DocumentedCommands
{
    public static IReadOnlyList<string> ShellLines(string markdown) =>
        [.. Blocks(markdown, "sh").SelectMany(block => block.Split('\n'))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))];

    public static IReadOnlyList<string> CSharpBlocks(string markdown) => Blocks(markdown, "csharp");

    private static List<string> Blocks(string markdown, string language) =>
        [.. Fence().Matches(markdown.Replace("\r\n", "\n", StringComparison.Ordinal))
            .Where(m => m.Groups["language"].Value == language && !m.Groups["skip"].Success)
            .Select(m => m.Groups["code"].Value)];

    [GeneratedRegex(@"(?<skip><!-- not run by the docs test: [^\n]*-->\n)?^```(?<language>[a-z]*)\n(?<code>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex Fence();
}
