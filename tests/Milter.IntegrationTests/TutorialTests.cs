using System.Text.RegularExpressions;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// docs/getting-started.md, run as written: every command of its shell blocks, in order, in one shell, on a machine
/// whose Postfix is a private test instance. What the test adds is only what stands for that machine: the packages come
/// from the packed feed (nuget.config), <c>sudo</c> is the root shell the test already runs in, Postfix's commands
/// reach the private instance (MAIL_CONFIG), swaks talks to its port, and the tutorial's port 8890 becomes a free one.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public partial class TutorialTests
{
    [Fact]
    public async Task The_getting_started_tutorial_puts_a_milter_behind_Postfix_as_written()
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        var feed = await PackedFeed.GetAsync();
        var work = Directory.CreateTempSubdirectory("milter-tutorial-").FullName;
        await using var postfix = await PostfixInstance.StartAsync("none");
        try
        {
            var port = FreePorts.One();
            var script = await ScriptAsync(work, feed, postfix, port);
            var (exit, log) = await Command.RunAsync(work, new Dictionary<string, string> { ["USER"] = "root" }, "bash", script);
            Assert.True(exit == 0, log);

            Assert.Contains("X-Stamp: 5 headers seen", log, StringComparison.Ordinal);   // milter-test's report
            var queued = QueuedAs().Match(log);
            Assert.True(queued.Success, log);
            var delivered = await postfix.WaitForDeliveryAsync(queued.Groups[1].Value);
            Assert.Equal("5 headers seen", delivered.Header("X-Stamp"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The tutorial's commands as one bash script, with the machine around them.</summary>
    private static async Task<string> ScriptAsync(string work, PackedFeed feed, PostfixInstance postfix, int port)
    {
        var tutorial = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "getting-started.md"));
        var commands = ShellBlock().Matches(tutorial).SelectMany(block => block.Groups[1].Value.Split('\n'))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToList();
        Assert.NotEmpty(commands);

        var shims = Path.Combine(work, "shims");
        Directory.CreateDirectory(shims);
        await WriteExecutableAsync(Path.Combine(shims, "sudo"), "exec \"$@\"");
        await WriteExecutableAsync(Path.Combine(shims, "swaks"), $"exec /usr/bin/swaks --server 127.0.0.1:{postfix.SmtpPort} \"$@\"");
        await feed.WriteNuGetConfigAsync(work);

        var lines = new List<string>
        {
            "set -euo pipefail",
            $"export DOTNET_CLI_HOME={work}/home NUGET_PACKAGES={feed.PackageCache} DOTNET_NOLOGO=1",
            $"export MAIL_CONFIG={postfix.ConfigDirectory}",
            $"export PATH={shims}:{work}/home/.dotnet/tools:$PATH",
            "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
        };
        foreach (var command in commands)
        {
            var line = command.Replace("8890", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            if (line.StartsWith("dotnet new milter", StringComparison.Ordinal))
                line += $" --port {port}";
            lines.Add(line);
            // A user waits for a server they started in the background before talking to it.
            if (line.EndsWith('&'))
                lines.Add($"for i in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.2; done");
        }

        var script = Path.Combine(work, "tutorial.sh");
        await File.WriteAllLinesAsync(script, lines);
        return script;
    }

    private static async Task WriteExecutableAsync(string path, string body)
    {
        await File.WriteAllTextAsync(path, "#!/usr/bin/env bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"queued as ([0-9A-Za-z]+)")]
    private static partial Regex QueuedAs();
}
