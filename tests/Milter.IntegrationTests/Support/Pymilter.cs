using System.Globalization;

namespace Milter.IntegrationTests.Support;

/// <summary>The pymilter milters in milters/ (Debian's python3-milter, on Sendmail's libmilter), run with Debian's own Python.</summary>
internal static class Pymilter
{
    private const string Python = "/usr/bin/python3"; // python3-milter imports only there

    /// <summary>Why pymilter cannot run here, or null.</summary>
    public static async Task<string?> UnavailableAsync()
    {
        if (!File.Exists(Python) || !await MilterProcess.RunsAsync(Python, "-c", "import Milter"))
            return "pymilter is not installed (apt-get install python3-milter; ./test.sh does it as root)";
        return null;
    }

    /// <summary>Starts milters/<paramref name="script"/> on a free loopback port (its first argument).</summary>
    public static async Task<MilterProcess> StartAsync(string script)
    {
        var port = FreePorts.One();
        return await MilterProcess.StartAsync(port, Python, Path.Combine(AppContext.BaseDirectory, "milters", script), port.ToString(CultureInfo.InvariantCulture));
    }
}
