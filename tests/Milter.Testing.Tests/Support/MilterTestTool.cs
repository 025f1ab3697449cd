using System.CommandLine;
using Milter.Cli;

namespace Milter.Testing.Tests.Support;

/// <summary>Runs milter-test's command line in this process, parsed as the shell hands it over, and keeps what it printed.</summary>
internal static class MilterTestTool
{
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, TestContext.Current.CancellationToken);

    /// <summary>Runs until the command ends or <paramref name="cancellationToken"/> fires, which stands for SIGINT.</summary>
    public static async Task<CliResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        // No signal handlers in the test host: the token plays SIGINT.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        var exit = await MilterTestCommandLine.Create().Parse(args).InvokeAsync(configuration, cancellationToken);
        return new CliResult(exit, output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), error.ToString());
    }
}

/// <summary>What one run of milter-test returned and printed (LF line ends).</summary>
internal sealed record CliResult(int Exit, string Output, string Error);
