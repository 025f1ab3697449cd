namespace Milter.IntegrationTests.Support;

/// <summary>
/// Every package of the repository packed once per test run into a folder feed, with a version of its own (stable, so
/// `dotnet tool install` and `dotnet new install` pick it as a user's would pick a release), and a package cache of its
/// own, so nothing cached from the repository's build can stand in for the packages.
/// </summary>
internal sealed class PackedFeed
{
    private static readonly Lazy<Task<PackedFeed>> Shared = new(PackAsync);

    private PackedFeed(string directory, string version, IReadOnlyDictionary<string, string> packLogs)
    {
        Directory = directory;
        Version = version;
        PackLogs = packLogs;
    }

    public static readonly string[] Projects =
        ["src/Milter", "src/Milter.Hosting", "src/Milter.State", "src/Milter.Mime", "src/Milter.Authentication", "src/Milter.Testing", "src/Milter.Cli", "src/Milter.Templates"];

    /// <summary>The folder holding the .nupkg and .snupkg files.</summary>
    public string Directory { get; }

    public string Version { get; }

    /// <summary>What each `dotnet pack` printed, by project.</summary>
    public IReadOnlyDictionary<string, string> PackLogs { get; }

    /// <summary>The NuGet package folder the users' builds of these tests share (NUGET_PACKAGES).</summary>
    public string PackageCache => Path.Combine(System.IO.Directory.GetParent(Directory)!.FullName, "packages");

    public static Task<PackedFeed> GetAsync() => Shared.Value;

    /// <summary>A nuget.config that adds the feed to the usual sources.</summary>
    public Task WriteNuGetConfigAsync(string directory) => File.WriteAllTextAsync(Path.Combine(directory, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="milter-local" value="{Directory}" />
          </packageSources>
        </configuration>
        """);

    private static async Task<PackedFeed> PackAsync()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "packed");
        if (System.IO.Directory.Exists(root))
            System.IO.Directory.Delete(root, recursive: true);
        var feed = Path.Combine(root, "feed");
        var now = DateTime.UtcNow;
        // New on every run (the NuGet cache would serve an older pack of the same version), and every part at most
        // 65534: MinVer puts them in the assembly's file version, where a larger one fails the build (CS7035).
        var version = $"99.{now.Year % 100 * 1000 + now.DayOfYear}.{(int)now.TimeOfDay.TotalSeconds / 2}";
        var logs = new Dictionary<string, string>();
        foreach (var project in Projects)
        {
            var (exit, log) = await Command.RunAsync("dotnet", "pack", Path.Combine(Repository.Root, project), "-c", "Release", "-o", feed, $"-p:MinVerVersionOverride={version}");
            Assert.True(exit == 0, log);
            logs[project] = log;
        }

        return new PackedFeed(feed, version, logs);
    }
}
