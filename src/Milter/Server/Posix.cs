using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Milter.Server;

/// <summary>The few POSIX calls .NET has no API for: the type of a file, and the open-file limit.</summary>
internal static partial class Posix
{
    private const int FileTypeMask = 0xF000; // S_IFMT
    private const int SocketType = 0xC000;   // S_IFSOCK
    private const int RegularType = 0x8000;  // S_IFREG
    private const int DirectoryType = 0x4000; // S_IFDIR
    private const int LinuxOpenFileLimit = 7; // RLIMIT_NOFILE on Linux, every architecture

    /// <summary>What is at a path, without following a symbolic link; null when nothing is there.</summary>
    public static string? Describe(string path)
    {
        var mode = ModeOf(path);
        return mode switch
        {
            null => null,
            _ when (mode & FileTypeMask) == SocketType => "a socket",
            _ when (mode & FileTypeMask) == RegularType => "a regular file",
            _ when (mode & FileTypeMask) == DirectoryType => "a directory",
            _ => "a special file (link, pipe or device)",
        };
    }

    /// <summary>Whether a socket (and nothing else) is at a path.</summary>
    public static bool IsSocket(string path) => ModeOf(path) is { } mode && (mode & FileTypeMask) == SocketType;

    /// <summary>
    /// Raises the soft limit on open files to the hard limit, as the JIT runtime does at start-up and NativeAOT does not
    /// (systemd's soft default is 1024). Returns the limit now in force, or null where it cannot be read.
    /// </summary>
    public static ulong? RaiseOpenFileLimit()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        var limit = default(ResourceLimit);
        if (GetResourceLimit(LinuxOpenFileLimit, ref limit) != 0)
            return null;
        if (limit.Current < limit.Maximum)
        {
            var raised = limit with { Current = limit.Maximum };
            if (SetResourceLimit(LinuxOpenFileLimit, in raised) == 0)
                return raised.Current;
        }

        return limit.Current;
    }

    /// <summary>
    /// Lets a restarted milter bind its port while old connections linger in TIME_WAIT (SO_REUSEADDR), without letting a
    /// second instance share the port: .NET's ReuseAddress option also sets SO_REUSEPORT on Linux, which would.
    /// </summary>
    public static void AllowRebindAfterRestart(System.Net.Sockets.Socket socket)
    {
        const int SocketLevel = 1, ReuseAddress = 2; // SOL_SOCKET, SO_REUSEADDR on Linux
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption(SocketLevel, ReuseAddress, [1, 0, 0, 0]);
    }

    private static int? ModeOf(string path)
    {
        if (OperatingSystem.IsWindows())
            return File.Exists(path) || Directory.Exists(path) ? 0 : null;
        var status = default(FileStatus);
        return LStat(path, ref status) == 0 ? status.Mode : null;
    }

    // The runtime's own native shim, linked into NativeAOT binaries too; its FileStatus starts with flags, then the
    // st_mode bits (file type included), and has not changed shape since .NET Core 2.0.
    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, ref FileStatus status);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetResourceLimit(int resource, ref ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetResourceLimit(int resource, in ResourceLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
        public Rest Tail;
    }

    // Room for the rest of the shim's structure (sizes, times, device, inode: 15 longs today) with some to spare.
    [InlineArray(32)]
    private struct Rest
    {
        private long _element;
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ResourceLimit(ulong Current, ulong Maximum);
}
