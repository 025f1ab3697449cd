using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Milter.Client;
using Milter.Protocol;
using Milter.Server;

namespace Milter;

/// <summary>
/// An existing milter reached over the protocol (OpenDKIM, a virus scanner, a pymilter script) as a part: served alone it
/// is a proxy milter, inside a pipeline one part among local ones. Each SMTP connection gets its own connection to the
/// external milter, opened and negotiated before the first event is relayed; every event, with the macros of its stage,
/// is relayed to it; its answers become verdicts and its end-of-message changes calls on <see cref="EndOfMessageContext"/>,
/// so they merge in order with other parts' changes; its PROGRESS is passed on to the MTA.
/// </summary>
/// <remarks>
/// <para>
/// Negotiation. What a milter needs is known only by asking it (OPTNEG). This part asks: <see cref="ProbeAsync"/> at
/// start-up, and every connection it opens for an SMTP connection, and keeps the latest answer. <see cref="Description"/>
/// then asks the MTA for exactly the steps, no-reply steps, actions, macro lists and options the external milter asked
/// for, so the MTA sends, waits for and applies what it would with the milter in <c>smtpd_milters</c> (SKIP is always
/// asked, so the body can stop early). Until an answer is known (the milter was down at start-up), it asks the MTA for
/// everything the milter could need: every step with a reply, every action the MTA offers, header values with their
/// leading space; that is always sound (values are translated for whatever the milter then negotiates) and only costs
/// round trips. A session reads the description when the MTA connects, so
/// a changed answer (the milter restarted with another configuration) applies from the next MTA connection.
/// </para>
/// <para>
/// Failures. When the external milter cannot be reached within <see cref="ExternalMilterOptions.ConnectTimeout"/>, does
/// not answer within its timeout, breaks the protocol or goes away, one line is logged (naming the part, the address and
/// the problem) and <see cref="ExternalMilterOptions.WhenUnavailable"/> is answered for the rest of the message; a failure
/// at CONNECT or HELO is answered at MAIL, so it refuses the message rather than the whole SMTP session. The next message
/// opens a new connection, replaying CONNECT and HELO to it first. Changes of a failed end of message are not applied.
/// A connection the milter closed between messages (it was restarted) is reopened at the next message's first step
/// without counting as a failure.
/// </para>
/// </remarks>
public sealed class ExternalMilter : IMilterHandlerFactory
{
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private MilterDescription _description;
    private OptionNegotiation? _negotiated;

    /// <summary>Creates the part; nothing is connected until <see cref="ProbeAsync"/> or the first SMTP connection.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    /// <exception cref="MilterAddressException">The address is not a milter address.</exception>
    public ExternalMilter(ExternalMilterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Address, nameof(options));
        foreach (var (limit, name) in new[] { (options.ConnectTimeout, "ConnectTimeout"), (options.CommandTimeout, "CommandTimeout"), (options.EndOfMessageTimeout, "EndOfMessageTimeout") })
        {
            if (limit <= TimeSpan.Zero)
                throw new ArgumentException($"ExternalMilterOptions.{name} must be positive; it is {limit}.", nameof(options));
        }

        if (!Enum.IsDefined(options.WhenUnavailable))
            throw new ArgumentException($"ExternalMilterOptions.WhenUnavailable is {options.WhenUnavailable}; use Continue, Tempfail or Reject.", nameof(options));
        Address = ParseAddress(options.Address).Text;
        Name = string.IsNullOrWhiteSpace(options.Name) ? Address : options.Name;
        // A copy: the options in force cannot change behind the validation above.
        Options = new ExternalMilterOptions
        {
            Address = options.Address,
            Name = options.Name,
            ConnectTimeout = options.ConnectTimeout,
            CommandTimeout = options.CommandTimeout,
            EndOfMessageTimeout = options.EndOfMessageTimeout,
            WhenUnavailable = options.WhenUnavailable,
        };
        _logger = logger ?? NullLogger.Instance;
        _description = ExternalMilterNegotiation.Everything(Name);
    }

    /// <summary>A copy of the options it was created with.</summary>
    public ExternalMilterOptions Options { get; }

    /// <summary>The name in logs: <see cref="ExternalMilterOptions.Name"/>, or the address.</summary>
    public string Name { get; }

    /// <summary>The external milter's address in milter syntax (<c>inet:PORT@HOST</c> or <c>unix:/path</c>).</summary>
    public string Address { get; }

    /// <summary>The external milter's latest negotiation reply; <see langword="null"/> until it has been reached once.</summary>
    public OptionNegotiation? Negotiated => Volatile.Read(ref _negotiated);

    /// <summary>What the MTA is asked for: derived from <see cref="Negotiated"/>, or everything the milter could need before that.</summary>
    public MilterDescription Description => Volatile.Read(ref _description);

    /// <summary>Creates the handler for one SMTP connection; it opens its own connection to the external milter.</summary>
    public IMilterHandler CreateHandler() => new ExternalMilterHandler(this);

    /// <summary>
    /// Asks the external milter what it needs (connects, negotiates with everything an MTA offers, quits) and keeps the
    /// answer for <see cref="Description"/>. Call it at start-up, before the server takes connections. Returns false, and
    /// logs why, when the milter cannot be reached; the description then stays as it was.
    /// </summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var client = await ConnectAsync(ExternalMilterNegotiation.FullOffer, cancellationToken).ConfigureAwait(false);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(Options.CommandTimeout);
            Remember(await client.NegotiateAsync(timer.Token).ConfigureAwait(false));
            await client.QuitAsync(timer.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (IsFailure(e, cancellationToken))
        {
            ExternalMilterLog.ProbeFailed(_logger, Name, Address, Describe(e, "OPTNEG", Options.CommandTimeout));
            return false;
        }
    }

    internal ILogger Logger => _logger;

    /// <summary>Opens a connection that offers <paramref name="offer"/>, within <see cref="ExternalMilterOptions.ConnectTimeout"/>.</summary>
    internal async Task<MilterClient> ConnectAsync(OptionNegotiation offer, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(Options.ConnectTimeout);
        try
        {
            // The client's own per-answer limit never fires first: each step bounds its wait with its own timer.
            var longest = Options.CommandTimeout > Options.EndOfMessageTimeout ? Options.CommandTimeout : Options.EndOfMessageTimeout;
            return await MilterClient.ConnectAsync(Address, new MtaProfile(Name, offer, false, false), longest + TimeSpan.FromSeconds(1), timer.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"could not connect within {Seconds(Options.ConnectTimeout)}");
        }
    }

    /// <summary>Keeps the external milter's latest reply; a different one changes the description for new MTA connections.</summary>
    internal void Remember(OptionNegotiation reply)
    {
        lock (_gate)
        {
            if (reply.Equals(_negotiated))
                return;
            Volatile.Write(ref _negotiated, reply);
            Volatile.Write(ref _description, ExternalMilterNegotiation.Describe(Name, reply));
        }

        ExternalMilterLog.Negotiated(_logger, Name, Address, reply);
    }

    /// <summary>Whether an exception means the external milter failed (rather than the MTA's side giving up).</summary>
    internal static bool IsFailure(Exception e, CancellationToken cancellationToken) =>
        e is MilterClientException or MilterProtocolException or IOException or System.Net.Sockets.SocketException or TimeoutException
            or ExternalMilterException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>What went wrong, in words for the log line.</summary>
    internal static string Describe(Exception e, string waitingFor, TimeSpan limit) => e switch
    {
        OperationCanceledException => $"no answer to {waitingFor} within {Seconds(limit)}",
        System.Net.Sockets.SocketException socket => $"could not connect: {socket.Message}",
        _ => e.Message,
    };

    internal static string Seconds(TimeSpan limit) => string.Create(CultureInfo.InvariantCulture, $"{limit.TotalSeconds:0.###} s");

    /// <summary>The address in milter syntax; Postfix's <c>inet:HOST:PORT</c> is rewritten to it.</summary>
    private static MilterAddress ParseAddress(string text)
    {
        try
        {
            return MilterAddress.Parse(text);
        }
        catch (MilterAddressException) when (PostfixInet(text) is { } rewritten)
        {
            return MilterAddress.Parse(rewritten);
        }
    }

    private static string? PostfixInet(string text)
    {
        if (!text.StartsWith("inet:", StringComparison.OrdinalIgnoreCase))
            return null;
        var rest = text[5..];
        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            return null;
        var host = rest[..colon].Trim('[', ']');
        return host.Contains(':', StringComparison.Ordinal) ? $"inet6:{port}@{host}" : $"inet:{port}@{host}";
    }
}
