using System.Collections.Concurrent;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// Projects of the repository published as NativeAOT binaries beside the tests, once per run whichever test asks
/// first: the binary and the publish log. Callers are in <see cref="RepositoryBuilds"/>: publishing shares obj/ folders.
/// </summary>
internal static class Published
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<(string Binary, string Log)>>> Binaries = new();

    /// <summary>Publishes <paramref name="project"/> (a folder under the repository root) whose binary is named <paramref name="binary"/>.</summary>
    public static Task<(string Binary, string Log)> GetAsync(string project, string binary) =>
        Binaries.GetOrAdd(binary, _ => new(() => PublishAsync(project, binary))).Value;

    /// <summary>A sample of samples/, whose binary has the sample's name.</summary>
    public static Task<(string Binary, string Log)> SampleAsync(string sample) => GetAsync(Path.Combine("samples", sample), sample);

    private static async Task<(string Binary, string Log)> PublishAsync(string project, string binary)
    {
        // Beside the tests, replaced on every run: nothing left behind in the temporary folder.
        var output = Path.Combine(AppContext.BaseDirectory, "published", binary);
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);
        var (exitCode, log) = await Command.RunAsync("dotnet", "publish", Path.Combine(Repository.Root, project), "-c", "Release", "-r", "linux-x64", "-o", output);
        Assert.True(exitCode == 0, log);
        return (Path.Combine(output, binary), log);
    }
}
