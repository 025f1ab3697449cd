namespace Milter;

/// <summary>How each milter connection behaves: the verdict on failure, deadlines, and limits.</summary>
/// <remarks>
/// Every wait is bounded, the way Kestrel bounds requests: the MTA's option negotiation, each frame as a whole (not each
/// read, so a frame dripped a byte at a time cannot keep a connection), the pause between commands, and each handler
/// call. A handler that overruns its limit has its cancellation token cancelled and the MTA gets
/// <see cref="DefaultVerdict"/>; see <see cref="HandlerTimeout"/>.
/// </remarks>
public class MilterSessionOptions
{
    /// <summary>
    /// The verdict sent when a handler throws, overruns its time limit, or returns a verdict the step does not allow, like
    /// libmilter's and Postfix's default action. <see cref="MilterVerdict.Tempfail()"/> unless set: the MTA keeps the mail
    /// and retries.
    /// </summary>
    public MilterVerdict DefaultVerdict { get; set; } = MilterVerdict.Tempfail();

    /// <summary>
    /// How long a new connection may take to send its option negotiation (the MTA sends it at once). A connection that
    /// sends nothing, or only part of it, is closed after this. Default 10 seconds.
    /// </summary>
    public TimeSpan NegotiationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a connection may wait for the MTA's next command before it is closed. Default 2 hours, like libmilter's
    /// 7210 s: Sendmail keeps a milter connection for the whole SMTP session, and its SMTP command timeout is an hour.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(7210);

    /// <summary>
    /// How long one frame may take from its first byte to its last; the time is not restarted by each read, so a frame
    /// sent a byte at a time is closed after this. Default 30 seconds (a 1 MiB frame needs 35 KB/s).
    /// </summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a handler call other than end of message may take. Past it, the handler's cancellation token is
    /// cancelled, the MTA gets <see cref="DefaultVerdict"/> (at once: the handler runs on the thread pool, so even one
    /// that blocks its thread is not waited for), and the handler is retired for the rest of its SMTP connection: later
    /// steps are answered with <see cref="DefaultVerdict"/>, and once the call returns the handler gets its abort and
    /// close calls and is disposed. Default 25 seconds, below Postfix's 30 s <c>milter_command_timeout</c>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// How long the end-of-message handler may take (PROGRESS keeps the MTA waiting meanwhile), with the same
    /// consequences as <see cref="HandlerTimeout"/>. Default 4 minutes, below Sendmail's 5-minute end-of-message limit.
    /// </summary>
    public TimeSpan EndOfMessageTimeout { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>The largest payload accepted from the MTA; a larger frame closes the connection. Default 1 MiB.</summary>
    public int MaxFrameLength { get; set; } = Protocol.MilterFrameReader.DefaultMaxPayloadLength;

    /// <summary>
    /// The MTA this milter talks to, when it should not be recognised from what the MTA sends
    /// (<see cref="MtaKind.Unknown"/>, the default, means: recognise it).
    /// </summary>
    public MtaKind Mta { get; set; }

    /// <summary>
    /// While an end-of-message handler runs longer than this, PROGRESS is sent this often so the MTA does not time out
    /// (Sendmail's read timeout is 10 s by default), synchronous handlers included. <see langword="null"/> turns it off.
    /// Default 5 seconds.
    /// </summary>
    public TimeSpan? ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Limits on each message (headers, header bytes, recipients, size, body bytes), each with its verdict, enforced
    /// before the handler is called; none by default. Every session applies them (<see cref="MilterSession"/>, so the
    /// server, the test host and the hosted form). See docs/message-limits.md.
    /// </summary>
    public MessageLimits Limits { get; set; } = new();
}
