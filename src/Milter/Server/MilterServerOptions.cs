namespace Milter.Server;

/// <summary>Where the server listens and its limits, on top of the per-connection <see cref="MilterSessionOptions"/>.</summary>
public sealed class MilterServerOptions : MilterSessionOptions
{
    /// <summary>The addresses to listen on, in milter syntax (<see cref="MilterAddress"/>). Several are allowed.</summary>
    public IList<string> Listen { get; } = [];

    /// <summary>
    /// The most connections served at once. Beyond it, new connections wait in the kernel's queue until one
    /// ends, unless <see cref="RefuseExcessConnections"/> is set. Default 1000.
    /// </summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Refuse (accept and close at once) connections beyond <see cref="MaxConnections"/> instead of letting them wait; the MTA then applies its default action.</summary>
    public bool RefuseExcessConnections { get; set; }

    /// <summary>How long a graceful stop lets messages in flight finish before closing the rest. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The file mode of Unix-domain sockets. Default 0660: the MTA's user must share the milter's group.</summary>
    public UnixFileMode UnixSocketMode { get; set; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>The listen backlog. Default 512.</summary>
    public int Backlog { get; set; } = 512;
}
