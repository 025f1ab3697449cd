using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Milter.IntegrationTests.Support;

/// <summary>Whether something listens on a TCP port, read from /proc/net/tcp rather than by connecting: a probe connection would start a session.</summary>
internal static class Listening
{
    public static bool On(int port, string address = "127.0.0.1")
    {
        // /proc/net/tcp writes the address as the 32-bit number in host order: 127.0.0.1 is 0100007F.
        var local = string.Create(CultureInfo.InvariantCulture,
            $"{BitConverter.ToUInt32(IPAddress.Parse(address).GetAddressBytes()):X8}:{port:X4}");
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields[1] == local && fields[3] == "0A");
    }

    /// <summary>
    /// Waits until <paramref name="process"/> listens on <paramref name="port"/> at <paramref name="address"/>: true once
    /// it does, false when the process exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public static async Task<bool> WaitAsync(Process process, int port, TimeSpan timeout, string address = "127.0.0.1")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!On(port, address))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(20);
        }

        return true;
    }
}
