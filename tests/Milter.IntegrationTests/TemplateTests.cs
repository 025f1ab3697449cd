using System.Diagnostics;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// `dotnet new milter` from the packed template, every variant: the project it makes builds, its tests pass, it publishes
/// as a NativeAOT binary without a warning, and the binary answers milter-test (installed from the packed tool).
/// </summary>
[Collection(RepositoryBuilds.Name)]
public class TemplateTests
{
    [Theory]
    [InlineData("hosted", "inet")]
    [InlineData("hosted", "unix")]
    [InlineData("plain", "inet")]
    [InlineData("plain", "unix")]
    public async Task Every_variant_builds_tests_publishes_and_answers_milter_test(string host, string socket)
    {
        var feed = await PackedFeed.GetAsync();
        var work = Directory.CreateTempSubdirectory("milter-template-").FullName;
        try
        {
            var environment = await InstallAsync(feed, work);
            await RunAsync(work, environment, "dotnet", "new", "milter", "-n", "Stamp", "--host", host, "--socket", socket);
            var solution = Path.Combine(work, "Stamp");
            Assert.Equal(host == "hosted", File.Exists(Path.Combine(solution, "Stamp", "appsettings.json")));

            var tested = await RunAsync(solution, environment, "dotnet", "test");
            Assert.Contains("succeeded: 2", tested, StringComparison.Ordinal);
            // From the solution folder, as the project's README says: the test project must not stop it (NETSDK1151).
            var published = await RunAsync(solution, environment, "dotnet", "publish", "-c", "Release", "-r", "linux-x64");
            Assert.DoesNotMatch(@"(?i)\bwarning\b", published);
            var binary = Path.Combine(solution, "Stamp", "bin", "Release", "net10.0", "linux-x64", "publish", "Stamp");

            // A mistyped address: one line that says what is wrong and the right form, exit 64, from the native binary.
            var (badExit, badLog) = await Command.RunAsync(work, environment, binary, host == "hosted" ? ["--Milter:Listen:0", "inet:127.0.0.1:8890"] : ["inet:127.0.0.1:8890"]);
            Assert.True(badExit == 64, badLog);
            Assert.Contains("\"inet:127.0.0.1:8890\" is not a milter address", badLog, StringComparison.Ordinal);
            Assert.Contains("a milter listens on inet:8890@127.0.0.1", badLog, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", badLog, StringComparison.Ordinal);

            var address = socket == "unix" ? $"unix:{Path.Combine(work, "stamp.sock")}" : $"inet:{FreePorts.One()}@127.0.0.1";
            string[] arguments = host == "hosted" ? ["--Milter:Listen:0", address] : [address];
            using var milter = Process.Start(new ProcessStartInfo(binary, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            try
            {
                var report = await SendWhenListeningAsync(environment, address, Path.Combine(solution, "messages", "hello.eml"));
                Assert.Contains("X-Stamp: 5 headers seen", report, StringComparison.Ordinal);
            }
            finally
            {
                milter.Kill();
                await milter.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The template installed from the feed into a .NET home of the test's own, with milter-test as a global tool.</summary>
    private static async Task<Dictionary<string, string>> InstallAsync(PackedFeed feed, string work)
    {
        var home = Path.Combine(work, "home");
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_CLI_HOME"] = home,
            ["NUGET_PACKAGES"] = feed.PackageCache,
            ["DOTNET_NOLOGO"] = "1",
        };
        await feed.WriteNuGetConfigAsync(work);
        await RunAsync(work, environment, "dotnet", "new", "install", Path.Combine(feed.Directory, $"Milter.Templates.{feed.Version}.nupkg"));
        await RunAsync(work, environment, "dotnet", "tool", "install", "--global", "milter-test", "--version", feed.Version);
        return environment;
    }

    /// <summary>milter-test sends the message once the milter listens (its start takes a moment).</summary>
    private static async Task<string> SendWhenListeningAsync(Dictionary<string, string> environment, string address, string message)
    {
        for (var attempt = 0; ; attempt++)
        {
            // A process is looked up on the test's PATH, not the one given to it: name the installed tool by its path.
            var tool = Path.Combine(environment["DOTNET_CLI_HOME"], ".dotnet", "tools", "milter-test");
            var (exit, log) = await Command.RunAsync(Path.GetDirectoryName(message)!, environment, tool, "send", address, message, "--rcpt", "bob@example.net");
            if (exit == 0 || attempt == 100)
            {
                Assert.True(exit == 0, log);
                return log;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<string> RunAsync(string directory, Dictionary<string, string> environment, string file, params string[] arguments)
    {
        var (exit, log) = await Command.RunAsync(directory, environment, file, arguments);
        Assert.True(exit == 0, $"{file} {string.Join(' ', arguments)}:\n{log}");
        return log;
    }

}
