namespace Milter;

/// <summary>How each milter connection behaves: the verdict on failure, timeouts, and limits.</summary>
public class MilterSessionOptions
{
    /// <summary>
    /// The verdict sent when a handler throws or returns a verdict the step does not allow, like libmilter's and
    /// Postfix's default action. <see cref="MilterVerdict.Tempfail()"/> unless set: the MTA keeps the mail and retries.
    /// </summary>
    public MilterVerdict DefaultVerdict { get; set; } = MilterVerdict.Tempfail();

    /// <summary>How long a connection may wait for the MTA's next command before it is closed. Default 2 hours (libmilter's is 7210 s).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(7210);

    /// <summary>How long the rest of a frame may take once its first bytes have arrived. Default 30 seconds.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest payload accepted from the MTA; a larger frame closes the connection. Default 1 MiB.</summary>
    public int MaxFrameLength { get; set; } = Protocol.MilterFrameReader.DefaultMaxPayloadLength;

    /// <summary>
    /// The MTA this milter talks to, when it should not be recognised from what the MTA sends
    /// (<see cref="MtaKind.Unknown"/>, the default, means: recognise it).
    /// </summary>
    public MtaKind Mta { get; set; }

    /// <summary>
    /// While an end-of-message handler runs longer than this, PROGRESS is sent this often so the MTA does not time out
    /// (Sendmail's read timeout is 10 s by default). <see langword="null"/> turns it off. Default 5 seconds.
    /// </summary>
    public TimeSpan? ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);
}
