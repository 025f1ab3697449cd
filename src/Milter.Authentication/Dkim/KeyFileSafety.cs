namespace Milter.Authentication;

/// <summary>
/// Whether a private key file is kept as OpenDKIM's RequireSafeKeys wants it: no user other than its owner may read or
/// write it, and no folder on its path may let other users replace it (writable by group or others, without the sticky
/// bit that keeps them from renaming what is not theirs).
/// </summary>
public static class KeyFileSafety
{
    private const UnixFileMode OthersReadOrWrite = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
    private const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>
    /// Why the key at <paramref name="path"/> is not safe, in one line naming the file or folder and its mode
    /// ("/etc/dkim/mail.private has mode 0644: other users can read it"), or null when it is safe (and always on Windows,
    /// whose permissions are not modes).
    /// </summary>
    public static string? Problem(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
            return null;
        var full = Path.GetFullPath(path);
        var mode = File.GetUnixFileMode(full);
        if ((mode & OthersReadOrWrite) != 0)
        {
            var what = (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 ? "read or write" : "read";
            return $"{full} has mode {Octal(mode)}: other users can {what} it (chmod 600, or RequireSafeKeys false)";
        }

        for (var folder = Path.GetDirectoryName(full); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            var folderMode = File.GetUnixFileMode(folder);
            if ((folderMode & OthersWrite) != 0 && (folderMode & UnixFileMode.StickyBit) == 0)
                return $"{full} is in {folder}, mode {Octal(folderMode)}: other users can replace the key (chmod go-w, or RequireSafeKeys false)";
        }

        return null;
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');
}
