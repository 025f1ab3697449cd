using System.Globalization;

namespace Milter.Soak;

/// <summary>What the kernel says about the milter process.</summary>
internal static class MilterProcess
{
    /// <summary>Resident memory in MiB, from /proc.</summary>
    public static double ResidentMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>Open file descriptors (sockets included).</summary>
    public static int OpenFiles(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>Sockets of the process in CLOSE-WAIT (the peer closed, the process did not): from /proc/net/tcp.</summary>
    public static int CloseWait(int pid)
    {
        var inodes = Directory.GetFiles($"/proc/{pid}/fd")
            .Select(f => new FileInfo(f).LinkTarget)
            .Where(t => t is not null && t.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(t => t![8..^1])
            .ToHashSet();
        return File.ReadLines("/proc/net/tcp").Concat(File.ReadLines("/proc/net/tcp6")).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 9 && f[3] == "08" && inodes.Contains(f[9]));
    }
}
