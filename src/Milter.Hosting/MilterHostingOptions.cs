using Milter.Server;

namespace Milter.Hosting;

/// <summary>
/// The server's settings as they appear in configuration (section <c>Milter</c> by default): appsettings.json,
/// environment variables (<c>Milter__Listen__0=inet:8890@127.0.0.1</c>) or the command line
/// (<c>--Milter:Listen:0 unix:/run/milter/f.sock</c>). Checked when the host starts. When the configuration changes
/// (an edited appsettings.json, or SIGHUP), the settings that can change at run time apply to new connections; the
/// others are marked "Needs a restart".
/// </summary>
public sealed class MilterHostingOptions
{
    /// <summary>The configuration section read by default.</summary>
    public const string SectionName = "Milter";

    /// <summary>Addresses to listen on: <c>inet:PORT@HOST</c>, <c>inet6:PORT@HOST</c>, <c>unix:/path</c>. Needs a restart.</summary>
    public List<string> Listen { get; } = [];

    /// <summary>The most connections served at once (see <see cref="MilterServerOptions.MaxConnections"/>). Needs a restart.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Refuse connections beyond <see cref="MaxConnections"/> at once (the default) instead of letting them wait. Needs a restart.</summary>
    public bool RefuseExcessConnections { get; set; } = true;

    /// <summary>The memory all connections may hold for frames still arriving, in bytes (see <see cref="MilterServerOptions.MaxBufferedBytes"/>). Needs a restart.</summary>
    public long MaxBufferedBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>The answer when a handler fails: <c>tempfail</c> (default), <c>accept</c> or <c>reject</c>.</summary>
    public string DefaultAction { get; set; } = "tempfail";

    /// <summary>How long a new connection may take to send its option negotiation.</summary>
    public TimeSpan NegotiationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection may wait for the MTA's next command.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(7210);

    /// <summary>How long one frame may take from its first byte to its last.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a handler call other than end of message may take before the MTA gets the default verdict.</summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long the end-of-message handler may take (PROGRESS keeps the MTA waiting meanwhile).</summary>
    public TimeSpan EndOfMessageTimeout { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>How often PROGRESS is sent while an end-of-message handler works; zero turns it off.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a graceful stop lets messages in flight finish.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest frame accepted from the MTA, in bytes.</summary>
    public int MaxFrameLength { get; set; } = Protocol.MilterFrameReader.DefaultMaxPayloadLength;

    /// <summary>The file mode of Unix sockets, in octal (default 660). Needs a restart.</summary>
    public string UnixSocketMode { get; set; } = "660";

    /// <summary>
    /// Serve connections on the server's own epoll loops (Linux x64; the default), or through .NET's socket engine and
    /// thread pool when false (see <see cref="MilterServerOptions.EpollLoops"/>). Needs a restart.
    /// </summary>
    public bool EpollLoops { get; set; } = true;

    /// <summary>The MTA in front, when it should not be recognised from what it sends: Postfix, Sendmail, or Unknown (recognise; the default).</summary>
    public MtaKind Mta { get; set; }

    /// <summary>
    /// Limits on each message (<c>Milter:Limits:MaxRecipients</c>, <c>Milter:Limits:MaxMessageSize</c>, …, each with its
    /// <c>…Verdict</c>), enforced before the filter is called; none by default. See docs/message-limits.md.
    /// </summary>
    public MessageLimits Limits { get; set; } = new();

    /// <summary>The server options these settings describe.</summary>
    public MilterServerOptions ToServerOptions()
    {
        var options = new MilterServerOptions
        {
            MaxConnections = MaxConnections,
            RefuseExcessConnections = RefuseExcessConnections,
            MaxBufferedBytes = MaxBufferedBytes,
            DefaultVerdict = DefaultAction.ToLowerInvariant() switch
            {
                "accept" => MilterVerdict.Accept,
                "reject" => MilterVerdict.Reject(),
                _ => MilterVerdict.Tempfail(),
            },
            NegotiationTimeout = NegotiationTimeout,
            IdleTimeout = IdleTimeout,
            ReadTimeout = ReadTimeout,
            HandlerTimeout = HandlerTimeout,
            EndOfMessageTimeout = EndOfMessageTimeout,
            ProgressInterval = ProgressInterval > TimeSpan.Zero ? ProgressInterval : null,
            ShutdownTimeout = ShutdownTimeout,
            MaxFrameLength = MaxFrameLength,
            UnixSocketMode = (UnixFileMode)Convert.ToInt32(UnixSocketMode, 8),
            Mta = Mta,
            Limits = Limits,
            EpollLoops = EpollLoops,
        };
        foreach (var address in Listen)
            options.Listen.Add(address);
        return options;
    }
}
