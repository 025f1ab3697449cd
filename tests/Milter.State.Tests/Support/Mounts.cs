using System.Diagnostics;

namespace Milter.State.Tests.Support;

/// <summary>
/// A file system of the test's own: a small tmpfs (to fill it up) or a read-only view of a folder (a bind mount).
/// Needs root, as in CI; a test skips, with the reason, where mounting is not permitted.
/// </summary>
public sealed class Mounts : IDisposable
{
    private readonly List<string> _mounted = [];
    private readonly List<string> _folders = [];

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (mount's syntax: 512k) and returns its folder.</summary>
    public string Tmpfs(string size)
    {
        var folder = Folder();
        Mount(folder, "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", folder);
        return folder;
    }

    /// <summary>A read-only view of <paramref name="source"/>: the same files, where every write fails with EROFS.</summary>
    public string ReadOnlyView(string source)
    {
        var folder = Folder();
        Mount(folder, "--bind", source, folder);
        Mount(folder, "-o", "remount,bind,ro", folder);
        return folder;
    }

    public void Dispose()
    {
        for (var i = _mounted.Count - 1; i >= 0; i--)
            Run("umount", "-l", _mounted[i]);
        foreach (var folder in _folders)
            Directory.Delete(folder, recursive: true);
    }

    private string Folder()
    {
        var folder = Directory.CreateTempSubdirectory("milter-state-mount-").FullName;
        _folders.Add(folder);
        return folder;
    }

    private void Mount(string folder, params string[] arguments)
    {
        var (code, errors) = Run("mount", arguments);
        if (code != 0)
            Assert.Skip($"cannot mount here (needs root, as in CI): mount {string.Join(' ', arguments)}: {errors.Trim()}");
        if (!_mounted.Contains(folder))
            _mounted.Add(folder);
    }

    private static (int Code, string Errors) Run(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, errors);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
