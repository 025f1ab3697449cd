namespace Milter.Server;

/// <summary>Where the server listens and its limits, on top of the per-connection <see cref="MilterSessionOptions"/>.</summary>
public sealed class MilterServerOptions : MilterSessionOptions
{
    /// <summary>The addresses to listen on, in milter syntax (<see cref="MilterAddress"/>). Several are allowed.</summary>
    public IList<string> Listen { get; } = [];

    /// <summary>
    /// The most connections served at once. Beyond it, new connections are refused at once (see
    /// <see cref="RefuseExcessConnections"/>). Default 10,000: an idle connection costs a few kilobytes and no receive
    /// buffer, and the server raises the open-file limit to the hard limit (which must allow this many).
    /// </summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// Refuse (accept and close at once) connections beyond <see cref="MaxConnections"/>, so the MTA applies its default
    /// action at once; a warning is logged at most every 10 seconds. Default true. When false, they wait in the kernel's
    /// queue for a free slot, and the MTA waits until its connect timeout (Postfix 30 s, Sendmail 5 min).
    /// </summary>
    public bool RefuseExcessConnections { get; set; } = true;

    /// <summary>
    /// The memory all connections together may hold for bytes received but not yet handled (frames still arriving).
    /// A connection that needs more while it is all in use is closed, with a warning. One connection holds at most
    /// <see cref="MilterSessionOptions.MaxFrameLength"/> plus 64 KiB; an idle one holds nothing. Default 128 MiB.
    /// </summary>
    public long MaxBufferedBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>How long a graceful stop lets messages in flight finish before closing the rest. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The file mode of Unix-domain sockets. Default 0660: the MTA's user must share the milter's group.</summary>
    public UnixFileMode UnixSocketMode { get; set; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>The listen backlog. Default 512.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>
    /// Whether connections are served on the server's own epoll loops (Linux x64; elsewhere this has no effect): a thread
    /// per listener accepts, one loop thread per core waits for every connection's bytes, and a connection's handlers run
    /// on the loop thread that saw them arrive (a loop held by a handler that blocks is replaced). When false, they are
    /// served as on other systems, through .NET's socket engine and the thread pool: a fallback if the loops misbehave
    /// somewhere, at about twice the system calls and context switches per message. Default true. Needs a restart.
    /// </summary>
    public bool EpollLoops { get; set; } = true;
}
