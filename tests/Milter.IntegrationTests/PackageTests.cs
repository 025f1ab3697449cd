using System.Diagnostics;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// What a user gets from the packages alone: a small milter built from a folder feed holding only our packages
/// (no project references). The generator must run and the analyzers must report, as they will for a user.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public class PackageTests
{
    private static string RepositoryRoot
    {
        get
        {
            var directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Milter.sln")))
                directory = Path.GetDirectoryName(directory);
            return directory ?? throw new InvalidOperationException("Milter.sln not found");
        }
    }

    [Fact]
    public async Task A_milter_built_from_the_packages_gets_the_generator_and_the_analyzers()
    {
        var work = Directory.CreateTempSubdirectory("milter-pkg-").FullName;
        try
        {
            var feed = Path.Combine(work, "feed");
            var version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
            foreach (var project in new[] { "src/Milter", "src/Milter.Hosting", "src/Milter.Mime", "src/Milter.Testing", "src/Milter.Cli" })
            {
                var (exit, log) = await RunAsync(RepositoryRoot, null, "dotnet", "pack", project, "-c", "Release", "-o", feed, $"-p:Version={version}");
                Assert.True(exit == 0, log);
            }

            Assert.Equal(["Milter", "milter-test", "Milter.Hosting", "Milter.Mime", "Milter.Testing"],
                Directory.GetFiles(feed, "*.nupkg").Select(f => Path.GetFileName(f)[..^($".{version}.nupkg".Length)]).Order(StringComparer.OrdinalIgnoreCase));

            var app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="milter-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Milter" Version="{version}" />
                    <PackageReference Include="Milter.Mime" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using Milter;
                using Milter.Mime;

                Console.WriteLine($"actions: {Stamp.Description.Actions}; steps: {Stamp.Description.Steps}");
                Console.WriteLine($"mime actions: {Rewrite.Description.Actions}");

                [MailFilter]
                public partial class Stamp
                {
                    [OnHeader] public void Header(string name, string value) { }
                    [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext m) { m.AddHeader("X-A", "1"); return MilterVerdict.Accept; }
                }

                [MailFilter]
                public partial class Rewrite
                {
                    private readonly MessageCapture _capture = new();
                    [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext m) { m.ApplyChanges(_capture); return MilterVerdict.Accept; }
                }
                """);
            var packages = Path.Combine(work, "packages");

            // A package folder of its own, so nothing cached from the repository's build can stand in for the packages.
            var (runExit, runLog) = await RunAsync(app, packages, "dotnet", "run");
            Assert.True(runExit == 0, runLog);
            Assert.Contains("actions: AddHeaders; steps: Header", runLog, StringComparison.Ordinal);
            // [UsesActions] on Milter.Mime's ApplyChanges reaches the generator through the package.
            Assert.Contains("mime actions: AddHeaders, ChangeBody, ChangeHeaders", runLog, StringComparison.Ordinal);

            // The same class without `partial`: the analyzers from the package must stop the build with MILTER001.
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using Milter;

                [MailFilter]
                public class NotPartial
                {
                    [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext m) => MilterVerdict.Accept;
                }
                """);
            var (buildExit, buildLog) = await RunAsync(app, packages, "dotnet", "build");
            Assert.NotEqual(0, buildExit);
            Assert.Contains("MILTER001", buildLog, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Log)> RunAsync(string directory, string? packages, string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        if (packages is not null)
            info.Environment["NUGET_PACKAGES"] = packages;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        return (process.ExitCode, await stdout + await stderr);
    }
}
