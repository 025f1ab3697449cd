using System.Diagnostics;
using System.Globalization;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// A private redis-server on a free loopback port, its data in a folder of its own, persisted with the append-only
/// file so that a restart keeps what was counted; stopped, restarted, frozen and thawed by the fault tests.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private const string Program = "/usr/bin/redis-server";
    private static readonly StartProbe Probe = new(Program, "redis-server", async () => await StartAsync());
    private readonly string[] _arguments;
    private Process _process;

    private RedisServer(string directory, int port, string[] arguments, Process process)
    {
        Directory = directory;
        Port = port;
        _arguments = arguments;
        _process = process;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string that reaches it (Milter:Store:Redis).</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Why Redis cannot run here (not installed, or a private one did not start), or null when it can.</summary>
    public static string? Unavailable() => Probe.Reason;

    /// <summary>Starts one; <paramref name="arguments"/> come last, so they override the defaults (<c>--port 0 --tls-port N</c> for TLS only, where N is <see cref="Port"/>).</summary>
    public static async Task<RedisServer> StartAsync(Func<int, string[]>? arguments = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("milter-redis-").FullName;
        var port = FreePorts.One();
        var extra = arguments?.Invoke(port) ?? [];
        try
        {
            return new RedisServer(directory, port, extra, await LaunchAsync(directory, port, extra));
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>SIGTERM (Redis writes its append-only file and exits), then the same server again on the same port and data.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _process = await LaunchAsync(Directory, Port, _arguments);
    }

    /// <summary>SIGKILL, as the OOM killer or a crash would: connections reset, nothing written.</summary>
    public async Task KillAsync()
    {
        Signal("KILL");
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The same server again on the same port and data, after <see cref="KillAsync"/> or <see cref="StopAsync"/>.</summary>
    public async Task StartAgainAsync() => _process = await LaunchAsync(Directory, Port, _arguments);

    /// <summary>Stops it as a service manager would (SIGTERM) and waits for the exit.</summary>
    public async Task StopAsync()
    {
        Signal("TERM");
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGSTOP: the port still accepts connections but nothing answers, as when a firewall or a dead host swallows the packets.</summary>
    public void Freeze() => Signal("STOP");

    /// <summary>SIGCONT: answers again.</summary>
    public void Thaw() => Signal("CONT");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static async Task<Process> LaunchAsync(string directory, int port, string[] arguments)
    {
        var process = Process.Start(new ProcessStartInfo(Program,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "yes",
             "--daemonize", "no", "--logfile", Path.Combine(directory, "redis.log"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        if (!await Listening.WaitAsync(process, port, TimeSpan.FromSeconds(15)))
        {
            // A bad option is written on standard output, before there is a log.
            if (!process.HasExited)
                process.Kill();
            var log = Path.Combine(directory, "redis.log");
            var why = File.Exists(log) ? await File.ReadAllTextAsync(log) : await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            throw new InvalidOperationException($"redis-server did not listen on {port}: {why.Trim()}");
        }

        return process;
    }
}
