using System.Globalization;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// README.md and docs/getting-started.md run as a new user runs them: every command of their shell blocks, in order, in
/// one shell per page, with a HOME of its own (no template, no tool, no NuGet source or package cache before), on a
/// machine whose Postfix is a private test instance; every C# block of both, and of docs/filters.md and
/// docs/message-limits.md, is compiled against the packages the README made. What the test adds is only what stands for that machine: <c>sudo</c> is the root shell the test already runs
/// in, Postfix's commands reach the private instance (MAIL_CONFIG), swaks talks to its port, port 8890 becomes a free
/// one, the README's <c>./test.sh</c> is left out (it is the run this test is part of), and the packages get the
/// version the package tests packed (MinVerVersionOverride), so packing them again reuses that build. Then a
/// <c>dotnet new milter --socket unix</c> project's README runs as written too.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public partial class DocsTests
{
    [Fact]
    public async Task The_README_and_the_getting_started_guide_run_as_written_from_a_clean_home()
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        var work = Directory.CreateTempSubdirectory("milter-docs-").FullName;
        await using var postfix = await PostfixInstance.StartAsync("none");
        try
        {
            var port = FreePorts.One();
            // The version the other package tests packed: src/pack-local.sh then builds on their build, not afresh.
            var version = (await PackedFeed.GetAsync()).Version;
            var machine = await MachineAsync(work, postfix, version);

            // The README, from the repository root: the sample milter answers, and the packages are made and installed.
            var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
            var (readmeExit, readmeLog) = await RunAsync(work, machine, Repository.Root, DocumentedCommands.ShellLines(readme), port);
            Assert.True(readmeExit == 0, readmeLog);
            Assert.Contains($"listening on inet:{port}@127.0.0.1", readmeLog, StringComparison.Ordinal);   // the sample
            Assert.Contains("added it to your NuGet sources as milter-local", readmeLog, StringComparison.Ordinal);

            await CompileAsync(work, machine, readme, await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "getting-started.md")),
                await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "filters.md")),
                await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "message-limits.md")));

            // The tutorial, from where its first command takes the reader: a project tested, run, and behind Postfix.
            var tutorial = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "getting-started.md"));
            var (exit, log) = await RunAsync(work, machine, Path.Combine(work, "home"), DocumentedCommands.ShellLines(tutorial), port);
            Assert.True(exit == 0, log);
            Assert.Contains("X-Stamp: 5 headers seen", log, StringComparison.Ordinal);   // milter-test's report
            var queued = QueuedAs().Match(log);
            Assert.True(queued.Success, log);
            var delivered = await postfix.WaitForDeliveryAsync(queued.Groups[1].Value);
            Assert.Equal("5 headers seen", delivered.Header("X-Stamp"));

            await UnixProjectReadmeRunsAsync(work, machine, port);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// `dotnet new milter --socket unix`: its README names the unix socket (not an inet: address), and its commands run
    /// as written: the socket's directory made, the milter run, probed and sent a message, the solution published.
    /// </summary>
    private static async Task UnixProjectReadmeRunsAsync(string work, Dictionary<string, string> machine, int port)
    {
        var (newExit, newLog) = await RunAsync(work, machine, Path.Combine(work, "home"), ["dotnet new milter -n UnixStamp --socket unix"], port);
        Assert.True(newExit == 0, newLog);
        var project = Path.Combine(work, "home", "UnixStamp");
        var readme = await File.ReadAllTextAsync(Path.Combine(project, "README.md"));
        Assert.Contains("unix:/run/unixstamp/unixstamp.sock", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("inet:", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("#if", readme, StringComparison.Ordinal);

        try
        {
            var (exit, log) = await RunAsync(work, machine, project, DocumentedCommands.ShellLines(readme), port);
            Assert.True(exit == 0, log);
            Assert.Contains("X-UnixStamp: 5 headers seen", log, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(project, "UnixStamp", "bin", "Release", "net10.0", "linux-x64", "publish", "UnixStamp")), log);
        }
        finally
        {
            if (Directory.Exists("/run/unixstamp"))
                Directory.Delete("/run/unixstamp", recursive: true);
        }
    }

    /// <summary>The environment of a new user on this machine: an empty HOME, the tools folder on the PATH, the shims.</summary>
    private static async Task<Dictionary<string, string>> MachineAsync(string work, PostfixInstance postfix, string version)
    {
        var home = Path.Combine(work, "home");
        var shims = Path.Combine(work, "shims");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(shims);
        await WriteExecutableAsync(Path.Combine(shims, "sudo"), "exec \"$@\"");
        await WriteExecutableAsync(Path.Combine(shims, "swaks"), $"exec /usr/bin/swaks --server 127.0.0.1:{postfix.SmtpPort} \"$@\"");
        return new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["USER"] = "root",
            ["DOTNET_NOLOGO"] = "1",
            ["MAIL_CONFIG"] = postfix.ConfigDirectory,
            ["MinVerVersionOverride"] = version,
            // What the .NET SDK's installer puts on a user's PATH at login.
            ["PATH"] = $"{shims}:{home}/.dotnet/tools:{Environment.GetEnvironmentVariable("PATH")}",
        };
    }

    /// <summary>Runs <paramref name="commands"/> as one bash script in <paramref name="directory"/>, stopping at the first failure.</summary>
    private static async Task<(int ExitCode, string Log)> RunAsync(string work, Dictionary<string, string> machine, string directory, IReadOnlyList<string> commands, int port)
    {
        Assert.NotEmpty(commands);
        var lines = new List<string>
        {
            "set -euo pipefail",
            // Nothing of the test run's own .NET set-up: the user's HOME decides.
            "unset NUGET_PACKAGES DOTNET_CLI_HOME",
            "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
        };
        foreach (var command in commands)
        {
            if (command == "./test.sh")
                continue;
            var line = command.Replace("8890", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            if (line.StartsWith("dotnet new milter", StringComparison.Ordinal))
                line += $" --port {port}";
            // The README's sample runs until Ctrl+C: here in the background, until it answers as a milter.
            if (line.StartsWith("dotnet run --project samples/", StringComparison.Ordinal))
            {
                lines.Add(line + " &");
                lines.Add($"for i in $(seq 1 900); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.2; done");
                lines.Add("kill %1; wait %1 || true");
                continue;
            }

            lines.Add(line);
        }

        var script = Path.Combine(work, $"commands-{Guid.NewGuid():N}.sh");
        await File.WriteAllLinesAsync(script, lines);
        return await Command.RunAsync(directory, machine, "bash", script);
    }

    /// <summary>
    /// Every C# block compiled, each as the Program.cs of a project on the packages from the user's feed (with the
    /// logging package the pages say to add). A block that uses the README's <c>StampFilter</c> without declaring it
    /// gets the README's declaration after it, as a reader who read the README has it.
    /// </summary>
    private static async Task CompileAsync(string work, Dictionary<string, string> machine, string readme, params string[] pages)
    {
        var readmeBlock = DocumentedCommands.CSharpBlocks(readme).Single();
        var stampFilter = readmeBlock[readmeBlock.IndexOf("[MailFilter", StringComparison.Ordinal)..];
        var blocks = pages.Prepend(readme).SelectMany(DocumentedCommands.CSharpBlocks)
            .Select(block => block.Contains("StampFilter", StringComparison.Ordinal) && !block.Contains("class StampFilter", StringComparison.Ordinal)
                ? block + "\n" + stampFilter
                : block)
            .ToList();
        Assert.True(blocks.Count >= 4, $"{blocks.Count} C# blocks");
        var feed = Path.Combine(work, "home", ".local", "share", "milter-feed");
        var version = Path.GetFileName(Directory.GetFiles(feed, "Milter.Hosting.*.nupkg").Single())["Milter.Hosting.".Length..^".nupkg".Length];
        var project = Path.Combine(work, "snippets");
        Directory.CreateDirectory(project);
        await File.WriteAllTextAsync(Path.Combine(project, "Snippets.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Milter" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.Logging.Console" Version="10.0.0" />
              </ItemGroup>
            </Project>
            """);
        foreach (var block in blocks)
        {
            await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), block);
            var (exit, log) = await Command.RunAsync(project, machine, "dotnet", "build");
            Assert.True(exit == 0, $"{block}\n{log}");
        }
    }

    private static async Task WriteExecutableAsync(string path, string body)
    {
        await File.WriteAllTextAsync(path, "#!/usr/bin/env bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [GeneratedRegex(@"queued as ([0-9A-Za-z]+)")]
    private static partial Regex QueuedAs();
}
