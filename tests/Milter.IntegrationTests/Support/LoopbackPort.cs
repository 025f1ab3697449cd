using System.Diagnostics;

namespace Milter.IntegrationTests.Support;

/// <summary>Waiting for a started process to listen on a loopback TCP port.</summary>
internal static class LoopbackPort
{
    /// <summary>
    /// Waits until something listens on 127.0.0.1:<paramref name="port"/>, read from /proc/net/tcp rather than by
    /// connecting (a test connection would be a session to the program). Null once it listens; otherwise why not: the
    /// process's standard error when it exited, or "(still running)" after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string?> WaitForListenerAsync(Process process, int port, TimeSpan timeout)
    {
        var local = $"0100007F:{port:X4} ";
        var deadline = DateTime.UtcNow + timeout;
        while (!File.ReadLines("/proc/net/tcp").Any(l => l.Contains(local, StringComparison.Ordinal) && l.Contains(" 0A ", StringComparison.Ordinal)))
        {
            if (process.HasExited)
                return await process.StandardError.ReadToEndAsync();
            if (DateTime.UtcNow > deadline)
                return "(still running)";
            await Task.Delay(20);
        }

        return null;
    }
}
