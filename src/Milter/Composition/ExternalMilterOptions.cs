namespace Milter;

/// <summary>Where an <see cref="ExternalMilter"/> finds the external milter, how long it waits for it, and what it answers when it cannot use it.</summary>
/// <remarks>
/// The three waits must fit within the session's own limits (<see cref="MilterSessionOptions.HandlerTimeout"/>, 25 s, and
/// <see cref="MilterSessionOptions.EndOfMessageTimeout"/>, 4 min, by default), or the session answers its default verdict first;
/// the defaults do.
/// </remarks>
public sealed class ExternalMilterOptions
{
    /// <summary>
    /// The external milter's address: <c>inet:PORT@HOST</c>, <c>inet6:PORT@HOST</c> or <c>unix:/path</c> (the syntax of
    /// <see cref="Server.MilterAddress"/>); Postfix's <c>inet:HOST:PORT</c>, as written in <c>smtpd_milters</c>, is accepted too.
    /// </summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>A short name for logs and the description (for example <c>opendkim</c>); the address when not set.</summary>
    public string? Name { get; set; }

    /// <summary>How long opening the connection to the external milter may take, within the step's own limit. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one step may take in all: the external milter's answer and, when the step opens a new connection,
    /// connecting, its option negotiation and the CONNECT and HELO replayed to it. Default 15 seconds, within the
    /// session's 25.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long end of message may take in all (a new connection's opening included), the external milter's changes and
    /// PROGRESS packets too (PROGRESS is passed on to the MTA, but does not extend this). Default 3 minutes, below the
    /// session's 4.
    /// </summary>
    public TimeSpan EndOfMessageTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The answer for the rest of the message when the external milter is down, overruns a timeout or breaks the protocol.
    /// <see cref="ExternalMilterFallback.Tempfail"/> unless set, like Postfix's <c>milter_default_action</c> up to 3.10.
    /// </summary>
    public ExternalMilterFallback WhenUnavailable { get; set; } = ExternalMilterFallback.Tempfail;
}
