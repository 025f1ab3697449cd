using System.Diagnostics;

namespace Milter.IntegrationTests.Support;

/// <summary>Runs a program to its end (ten minutes at most) and returns its exit code and everything it wrote.</summary>
internal static class Command
{
    public static Task<(int ExitCode, string Log)> RunAsync(string file, params string[] arguments) => RunAsync(new ProcessStartInfo(file, arguments));

    public static async Task<(int ExitCode, string Log)> RunAsync(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Runs in <paramref name="directory"/> with extra environment variables.</summary>
    public static Task<(int ExitCode, string Log)> RunAsync(string directory, IReadOnlyDictionary<string, string> environment, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        return RunAsync(start);
    }
}
