using System.Text.RegularExpressions;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.Testing.Tests;

/// <summary>
/// The systemd units the docs and the template show are read by systemd as written: a comment is a line of its own
/// (systemd takes a '#' after a value as part of the value, so <c>Type=notify  # why</c> is an invalid type), and
/// every unit that restarts on failure stops restarting on the exit codes a restart cannot heal.
/// </summary>
public sealed partial class SystemdUnitDocsTests
{
    private static IEnumerable<(string Where, string Unit)> Units()
    {
        foreach (var page in Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md", SearchOption.AllDirectories))
            foreach (Match block in IniBlock().Matches(File.ReadAllText(page)))
                if (block.Groups["body"].Value.Contains("[Service]", StringComparison.Ordinal))
                    yield return (Path.GetRelativePath(Repository.Root, page), block.Groups["body"].Value);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "src", "Milter.Templates", "content"), "*.service", SearchOption.AllDirectories))
            yield return (Path.GetRelativePath(Repository.Root, file), File.ReadAllText(file));
    }

    [Fact]
    public void Units_are_found()
    {
        Assert.True(Units().Count() >= 3);
    }

    [Fact]
    public void No_setting_carries_a_comment_on_its_line()
    {
        var wrong = Units()
            .SelectMany(u => u.Unit.Split('\n').Where(line => TrailingComment().IsMatch(line)).Select(line => $"{u.Where}: {line.Trim()}"))
            .ToList();
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void Units_that_restart_do_not_restart_on_exit_codes_a_restart_cannot_heal()
    {
        int[] lasting = [MilterExitCode.InvalidAddress, MilterExitCode.CannotListen, MilterExitCode.ConfigurationError];
        foreach (var (where, unit) in Units().Where(u => u.Unit.Contains("Restart=on-failure", StringComparison.Ordinal)))
        {
            var listed = RestartPrevent().Match(unit);
            Assert.True(listed.Success, $"{where}: Restart=on-failure without RestartPreventExitStatus=");
            var codes = listed.Groups["codes"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToHashSet();
            Assert.True(lasting.All(codes.Contains), $"{where}: RestartPreventExitStatus={listed.Groups["codes"].Value} leaves out one of {string.Join(' ', lasting)}");
        }
    }

    [GeneratedRegex(@"```ini\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex IniBlock();

    [GeneratedRegex(@"^[A-Za-z]+=.*\s#")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"^RestartPreventExitStatus=(?<codes>[0-9 ]+)$", RegexOptions.Multiline)]
    private static partial Regex RestartPrevent();
}
