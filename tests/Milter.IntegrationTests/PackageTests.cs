using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// What a user gets from the packages alone: a small milter built from a folder feed holding only our packages
/// (no project references). The generator must run and the analyzers must report, as they will for a user.
/// </summary>
[Collection(RepositoryBuilds.Name)]
public class PackageTests
{
    [Fact]
    public async Task A_milter_built_from_the_packages_gets_the_generator_and_the_analyzers()
    {
        var feed = await PackedFeed.GetAsync();
        var work = Directory.CreateTempSubdirectory("milter-pkg-").FullName;
        try
        {
            var version = feed.Version;
            foreach (var (project, log) in feed.PackLogs)
                Assert.DoesNotMatch(@"(?i)\bwarning\b", log);

            var packed = Directory.GetFiles(feed.Directory, "*.nupkg");
            Assert.Equal(["Milter", "milter-test", "Milter.Authentication", "Milter.Hosting", "Milter.Mime", "Milter.State", "Milter.Templates", "Milter.Testing"],
                packed.Select(f => Path.GetFileName(f)[..^($".{version}.nupkg".Length)]).Order(StringComparer.OrdinalIgnoreCase));
            foreach (var package in packed)
            {
                // What nuget.org shows: a readme, an icon, the repository and commit; and a symbol package beside code.
                using var zip = System.IO.Compression.ZipFile.OpenRead(package);
                Assert.Contains(zip.Entries, e => e.FullName == "README.md");
                Assert.Contains(zip.Entries, e => e.FullName == "icon.png");
                using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
                Assert.Matches("<repository type=\"git\" url=\"https://github.com/milter-dotnet/milter\"[^>]* commit=\"[0-9a-f]{40}\"", await nuspec.ReadToEndAsync());
                Assert.True(package.Contains("Templates", StringComparison.Ordinal) || File.Exists(Path.ChangeExtension(package, ".snupkg")), package);
            }

            var app = await CreateProjectAsync(work, "app", feed, "Exe",
                $"<PackageReference Include=\"Milter.Mime\" Version=\"{version}\" /><PackageReference Include=\"Milter.Authentication\" Version=\"{version}\" />");
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using Milter;
                using Milter.Authentication;
                using Milter.Mime;

                Console.WriteLine($"actions: {Stamp.Description.Actions}; steps: {Stamp.Description.Steps}");
                Console.WriteLine($"mime actions: {Rewrite.Description.Actions}");
                Console.WriteLine($"auth actions: {Results.Description.Actions}");

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

                [MailFilter]
                public partial class Results
                {
                    private readonly MessageCapture _capture = new();
                    [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext m)
                    {
                        m.RemoveClaimedResults(_capture.Message, "mx.example");
                        m.InsertAtTop(new MimeKit.Header("Authentication-Results", "mx.example; dkim=none"));
                        return MilterVerdict.Accept;
                    }
                }
                """);
            var (runExit, runLog) = await Command.RunAsync(app, Environment(feed), "dotnet", "run");
            Assert.True(runExit == 0, runLog);
            Assert.Contains("actions: AddHeaders; steps: Header", runLog, StringComparison.Ordinal);
            // [UsesActions] on Milter.Mime's ApplyChanges reaches the generator through the package.
            Assert.Contains("mime actions: AddHeaders, ChangeBody, ChangeHeaders", runLog, StringComparison.Ordinal);
            // And Milter.Authentication's InsertAtTop and RemoveClaimedResults.
            Assert.Contains("auth actions: AddHeaders, ChangeHeaders", runLog, StringComparison.Ordinal);

            // The same class without `partial`: the analyzers from the package must stop the build with MILTER001.
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using Milter;

                [MailFilter]
                public class NotPartial
                {
                    [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext m) => MilterVerdict.Accept;
                }
                """);
            var (buildExit, buildLog) = await Command.RunAsync(app, Environment(feed), "dotnet", "build");
            Assert.NotEqual(0, buildExit);
            Assert.Contains("MILTER001", buildLog, StringComparison.Ordinal);

            await CompileTimePromiseAsync(work, feed);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The compile-time promise from the packages, as a user meets it: correct code (helpers in other classes, lambdas
    /// run by ForEach, awaited Task.Run) builds with warnings as errors and negotiates what it does; each mistake of
    /// issue 12 is reported where it is, by id, from the analyzers and generator inside the package.
    /// </summary>
    private static async Task CompileTimePromiseAsync(string work, PackedFeed feed)
    {
        var library = await CreateProjectAsync(work, "lib", feed, "Library", "");
        await File.WriteAllTextAsync(Path.Combine(library, "Lib.cs"), """
            using Milter;
            namespace ThirdParty;
            public static class Signing
            {
                public static void Sign(EndOfMessageContext message) => message.AddHeader("X-Signed", "yes");
            }
            """);

        var good = await CreateProjectAsync(work, "good", feed, "Exe", "");
        await File.WriteAllTextAsync(Path.Combine(good, "Program.cs"), """
            using Milter;
            using Milter.Protocol;

            Console.WriteLine($"helped: {Helped.Description.Actions}");

            [MailFilter]
            public partial class Helped
            {
                [OnEndOfMessage]
                public async ValueTask<MilterVerdict> End(EndOfMessageContext message)
                {
                    new List<string> { "a" }.ForEach(x => message.AddHeader("X-" + x, "1"));
                    await Task.Run(() => message.Quarantine("held"));
                    Edits.Retitle(message);
                    return MilterVerdict.Accept;
                }
            }

            public static class Edits
            {
                public static void Retitle(this EndOfMessageContext message) => message.ChangeHeader("Subject", "[checked]");
            }
            """);
        var (goodExit, goodLog) = await Command.RunAsync(good, Environment(feed), "dotnet", "run", "-p:TreatWarningsAsErrors=true");
        Assert.True(goodExit == 0, goodLog);
        Assert.Contains("helped: AddHeaders, ChangeHeaders, Quarantine", goodLog, StringComparison.Ordinal);

        var bad = await CreateProjectAsync(work, "bad", feed, "Library", "<ProjectReference Include=\"../lib/lib.csproj\" />");
        var cases = new Dictionary<string, string>
        {
            ["AsyncVoid.cs"] = """
                [MailFilter] public partial class AsyncVoid
                {
                    [OnEndOfMessage] public async void End(EndOfMessageContext message) { await Task.Yield(); message.AddHeader("X", "1"); }
                }
                """,
            ["Escape.cs"] = """
                [MailFilter] public partial class Escape
                {
                    [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext message) { ThirdParty.Signing.Sign(message); return MilterVerdict.Accept; }
                }
                """,
            ["Deferred.cs"] = """
                [MailFilter] public partial class Deferred
                {
                    public event EventHandler? Tick;
                    [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext message)
                    {
                        _ = Task.Run(() => message.AddHeader("X-Late", "1"));
                        Tick += (_, _) => message.Quarantine("later");
                        return MilterVerdict.Accept;
                    }
                }
                """,
            ["Macros.cs"] = """
                [MailFilter] public partial class Macros
                {
                    [OnRcpt] public void Rcpt([Macro("{auth_authen")] string? user) { }
                }
                """,
            ["Shapes.cs"] = """
                [MailFilter] public static partial class Shapes { }
                [MailFilter] public partial class TwoEvents { [OnHelo, OnMail] public void Both(string value) { } }
                """,
            ["Replies.cs"] = """
                public static class Replies { public static readonly MilterVerdict Wrong = MilterVerdict.Reject(550, "2.0.0", "class 2"); }
                """,
        };
        foreach (var (file, text) in cases)
            await File.WriteAllTextAsync(Path.Combine(bad, file), "using Milter;\n" + text);

        var (badExit, badLog) = await Command.RunAsync(bad, Environment(feed), "dotnet", "build");
        Assert.NotEqual(0, badExit);
        foreach (var expected in new[]
        {
            "AsyncVoid.cs(4,35): error MILTER015", "Escape.cs(4,78): warning MILTER017", "Deferred.cs(7,28): error MILTER009",
            "Deferred.cs(8,27): warning MILTER018", "Macros.cs(4,32): error MILTER019", "Shapes.cs(2,42): error MILTER020",
            "Shapes.cs(3,76): error MILTER021", "Replies.cs(2,76): error MILTER008",
        })
        {
            Assert.True(badLog.Contains(expected, StringComparison.Ordinal), $"{expected} not in:\n{badLog}");
        }

        Assert.Contains("enhanced status code 2.0.0 has class 2", badLog, StringComparison.Ordinal);
        Assert.DoesNotContain("MILTER000", badLog, StringComparison.Ordinal);
    }

    /// <summary>A project folder with a Milter package reference from the feed (and <paramref name="extra"/> items).</summary>
    private static async Task<string> CreateProjectAsync(string work, string name, PackedFeed feed, string outputType, string extra)
    {
        var directory = Path.Combine(work, name);
        Directory.CreateDirectory(directory);
        await feed.WriteNuGetConfigAsync(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>{outputType}</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Milter" Version="{feed.Version}" />
                {extra}
              </ItemGroup>
            </Project>
            """);
        return directory;
    }

    private static Dictionary<string, string> Environment(PackedFeed feed) => new() { ["NUGET_PACKAGES"] = feed.PackageCache };
}
