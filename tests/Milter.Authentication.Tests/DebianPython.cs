using System.Diagnostics;
using System.Text;

namespace Milter.Authentication.Tests;

/// <summary>
/// Debian's /usr/bin/python3 with its packaged modules (authres, yaml, dkim), the reference implementations the tests
/// compare with. A test whose module is missing is skipped, naming the package that brings it.
/// </summary>
internal static class DebianPython
{
    private const string Interpreter = "/usr/bin/python3";

    /// <summary>Skips the test unless <paramref name="module"/> imports (from Debian's <paramref name="package"/>).</summary>
    public static void Require(string module, string package)
    {
        if (!File.Exists(Interpreter) || Run($"import {module}", "").ExitCode != 0)
            Assert.Skip($"/usr/bin/python3 cannot import {module} (apt-get install {package}; tests/install-dependencies.sh does)");
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="input"/> on its standard input; its standard output, or the test fails.</summary>
    public static string Output(string script, string input)
    {
        var (code, output, error) = Run(script, input);
        Assert.True(code == 0, $"python3 exited with {code}: {error}");
        return output;
    }

    private static (int ExitCode, string Output, string Error) Run(string script, string input)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
