using System.Net.Sockets;

namespace Milter.Server;

/// <summary>
/// Why a unix socket could not be bound, in the words of its path. Linux reports a missing directory as ENOENT, which
/// .NET names "Cannot assign requested address": true of the socket, but it hides the directory that is missing.
/// </summary>
internal static class UnixSocketBindError
{
    /// <summary>The reason for <paramref name="error"/> at <paramref name="path"/>, or null when the error says it well.</summary>
    public static string? Explain(string path, SocketException error)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        return error.SocketErrorCode switch
        {
            SocketError.AddressNotAvailable when !Directory.Exists(directory) =>
                $"the directory {directory} does not exist; create it (under systemd, RuntimeDirectory= does) or choose another path",
            SocketError.AccessDenied =>
                $"permission denied: this user ({Environment.UserName}) cannot create {Path.GetFileName(path)} in {directory}",
            _ => null,
        };
    }
}
