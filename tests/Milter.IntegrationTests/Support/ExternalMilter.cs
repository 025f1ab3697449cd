using System.Diagnostics;

namespace Milter.IntegrationTests.Support;

/// <summary>A milter process (pymilter, OpenDKIM, a built sample), started on a free loopback port and stopped at the end.</summary>
internal sealed class ExternalMilter : IAsyncDisposable
{
    private readonly Process _process;

    private ExternalMilter(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"inet:{Port}@127.0.0.1";


    /// <summary>Starts the program and waits until something listens on the port (read from /proc, not by connecting).</summary>
    public static async Task<ExternalMilter> StartAsync(int port, string program, params string[] arguments)
    {
        var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var milter = new ExternalMilter(process, port);
        if (await LoopbackPort.WaitForListenerAsync(process, port, TimeSpan.FromSeconds(15)) is { } error)
        {
            await milter.DisposeAsync();
            throw new InvalidOperationException($"{program} did not listen on port {port}: {error}");
        }

        return milter;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

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
}
