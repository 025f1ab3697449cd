using System.Diagnostics;
using System.Text;

namespace Milter.IntegrationTests.Support;

/// <summary>A milter process (pymilter, OpenDKIM, a built sample), started on a free loopback port and stopped at the end.</summary>
internal sealed class MilterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private MilterProcess(Process process, string host, int port)
    {
        _process = process;
        Host = host;
        Port = port;
        // Read as it comes: a chatty milter must never block on a full pipe.
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Host { get; }

    public int Port { get; }

    public string Address => $"inet:{Port}@{Host}";

    /// <summary>What the program wrote so far, standard output and error together.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the program and waits until something listens on the port (read from /proc, not by connecting).</summary>
    public static Task<MilterProcess> StartAsync(int port, string program, params string[] arguments) =>
        StartAsync("127.0.0.1", port, program, arguments);

    /// <summary>The same for a program that listens on <paramref name="host"/> (an address of the loopback range).</summary>
    public static async Task<MilterProcess> StartAsync(string host, int port, string program, string[] arguments, string? workingDirectory = null)
    {
        var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        })!;
        var milter = new MilterProcess(process, host, port);
        if (!await Listening.WaitAsync(process, port, TimeSpan.FromSeconds(15), host))
        {
            await milter.DisposeAsync();
            throw new InvalidOperationException($"{program} did not listen on {host}:{port}: {milter.Output}");
        }

        return milter;
    }

    /// <summary>SIGKILL, as a crash or the OOM killer ends a process: no goodbye to its connections.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }

    /// <summary>Whether the program runs and exits with 0 within 30 s.</summary>
    public static async Task<bool> RunsAsync(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Append(line).Append('\n');
    }
}
