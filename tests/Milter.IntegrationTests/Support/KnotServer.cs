using System.Diagnostics;
using System.Text;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// Knot DNS (Debian's knot), authoritative for the zones it is given, on a free loopback port (UDP and TCP), in a
/// folder of its own. A zone whose file does not parse is configured but not loaded: Knot answers SERVFAIL for it.
/// </summary>
internal sealed class KnotServer : IAsyncDisposable
{
    private const string Daemon = "/usr/sbin/knotd";
    private readonly Process _process;

    private KnotServer(Process process, string directory, int port) => (_process, Directory, Port) = (process, directory, port);

    public string Directory { get; }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Why Knot cannot run here, or null when it can.</summary>
    public static string? Unavailable() =>
        File.Exists(Daemon) ? null : "Knot DNS is not installed (./test.sh installs it when run as root: apt-get install knot)";

    /// <summary>Starts Knot serving <paramref name="zones"/> (origin → zone file text) and waits until it answers.</summary>
    public static async Task<KnotServer> StartAsync(IReadOnlyDictionary<string, string> zones)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("milter-knot-").FullName;
        var port = FreePorts.One();
        var config = new StringBuilder($"""
            server:
                rundir: {directory}
                listen: 127.0.0.1@{port}
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1
            database:
                storage: {directory}
            template:
              - id: default
                storage: {directory}
                file: "%s.zone"
                zonefile-sync: -1
                journal-content: none
            log:
              - target: stderr
                any: warning
            zone:

            """);
        foreach (var (origin, text) in zones)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"{origin}.zone"), text);
            config.Append($"  - domain: {origin}\n");
        }

        var configPath = Path.Combine(directory, "knot.conf");
        await File.WriteAllTextAsync(configPath, config.ToString());
        var process = Process.Start(new ProcessStartInfo(Daemon, ["-c", configPath]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var server = new KnotServer(process, directory, port);
        // Knot listens on TCP once its zones are loaded.
        if (!await Listening.WaitAsync(process, port, TimeSpan.FromSeconds(15)))
        {
            var error = process.HasExited ? await process.StandardError.ReadToEndAsync() : "(still running)";
            await server.DisposeAsync();
            throw new InvalidOperationException($"knotd did not listen on {port}: {error}");
        }

        return server;
    }

    /// <summary>A TXT record's data as zone-file text: split into quoted strings of at most 255 characters.</summary>
    public static string Txt(string value)
    {
        var chunks = new List<string>();
        for (var i = 0; i < value.Length; i += 255)
            chunks.Add("\"" + value.Substring(i, Math.Min(255, value.Length - i)).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        return "( " + string.Join(' ', chunks) + " )";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
