using Milter.Protocol;

namespace Milter;

/// <summary>
/// What a handler knows about its connection and current message: the negotiated options, who connected,
/// the HELO name, the envelope so far, and the macros in scope. One per SMTP connection.
/// </summary>
public sealed class MilterContext
{
    // Made at the first recipient and header: a connection that has not sent a message yet holds none of them.
    private List<Recipient>? _recipients;
    private List<RecipientStatus>? _recipientStatuses;
    private List<string>? _headerNames;

    internal MilterContext(NegotiationResult negotiation, MilterDescription description)
    {
        Negotiation = negotiation;
        Description = description;
    }

    /// <summary>The outcome of option negotiation: version, actions and protocol options in force.</summary>
    public NegotiationResult Negotiation { get; }

    /// <summary>What the milter asked for (its name, actions and steps), as its factory described it.</summary>
    internal MilterDescription Description { get; }

    /// <summary>Who connected, once CONNECT has arrived (<see langword="null"/> if the step was negotiated away).</summary>
    public ConnectionInfo? Connection { get; internal set; }

    /// <summary>The latest HELO/EHLO argument, if any.</summary>
    public string? HeloName { get; internal set; }

    /// <summary>The sender of the current message, once MAIL has arrived.</summary>
    public Sender? Sender { get; internal set; }

    /// <summary>The recipients of the current message seen so far, in order.</summary>
    public IReadOnlyList<Recipient> Recipients => _recipients ?? (IReadOnlyList<Recipient>)[];

    /// <summary>The recipients of the current message seen so far, each without angle brackets and with what became of it.</summary>
    public MessageRecipients MessageRecipients =>
        new([.. Recipients.Select((r, i) => new MessageRecipient(r.Address, r.Arguments, _recipientStatuses![i]))]);

    /// <summary>The macros in scope.</summary>
    public MilterMacros Macros { get; } = new();

    /// <summary>The MTA's queue id (macro <c>i</c>), when it has been sent. Postfix sends it from DATA on (or the second RCPT).</summary>
    public string? QueueId => Macros["i"];

    /// <summary>
    /// The queue id as the session's own thread reads it before every handler call (for the log scope): looked up again
    /// only when the macros changed. Not for handlers or anything on another thread (a call left running past its limit):
    /// they read <see cref="QueueId"/>.
    /// </summary>
    internal string? QueueIdForScope
    {
        get
        {
            var version = Macros.Version;
            if (version != _queueIdVersion)
                (_queueIdForScope, _queueIdVersion) = (Macros["i"], version);
            return _queueIdForScope;
        }
    }

    private string? _queueIdForScope;
    private int _queueIdVersion = -1;

    /// <summary>The queue id as log lines name it: before the MTA sends one (Postfix's arrives at DATA) they say so, not "(null)".</summary>
    internal string QueueIdForLog => QueueId ?? "not sent yet";

    /// <summary>
    /// The MTA on the other end: set by <see cref="MilterSessionOptions.Mta"/>, or recognised from the first macros
    /// that tell. Header changes are translated for it, so they give the same delivered headers behind either MTA.
    /// </summary>
    public MtaKind Mta { get; internal set; }

    /// <summary>
    /// The verdict the session gives when a handler fails (<see cref="MilterSessionOptions.DefaultVerdict"/>); a pipeline gives
    /// it when one of its parts fails.
    /// </summary>
    internal MilterVerdict DefaultVerdict { get; init; } = MilterVerdict.Tempfail();

    /// <summary>How many messages this connection has started, the current one included.</summary>
    public int MessageCount { get; private set; }

    /// <summary>The names of this message's headers as shown to the milter, kept where header changes need them (not behind Postfix).</summary>
    internal IReadOnlyList<string> HeaderNames => _headerNames ?? (IReadOnlyList<string>)[];

    internal void AddHeaderName(string name) => (_headerNames ??= []).Add(name);

    internal void StartMessage(Sender? sender)
    {
        MessageCount++;
        _headerNames?.Clear();
        Sender = sender;
        _recipients?.Clear();
        _recipientStatuses?.Clear();
    }

    /// <summary>A recipient from RCPT; Sendmail marks one it refused itself with the mailer <c>error</c>.</summary>
    internal void AddRecipient(Recipient recipient)
    {
        (_recipients ??= []).Add(recipient);
        var refusedByMta = (Negotiation.Protocol & ProtocolFlags.RejectedRecipients) != 0 && Macros["rcpt_mailer"] == "error";
        (_recipientStatuses ??= []).Add(refusedByMta ? RecipientStatus.RefusedByMta : RecipientStatus.Accepted);
    }

    /// <summary>Whether the MTA itself refused the latest recipient (shown only to filters that ask for refused recipients).</summary>
    internal bool LatestRecipientRefusedByMta => _recipientStatuses is [.., RecipientStatus.RefusedByMta];

    /// <summary>The filter's answer to the latest RCPT: a refusal marks that recipient, unless the MTA refused it already.</summary>
    internal void AnswerRecipient(MilterVerdict verdict)
    {
        if (_recipientStatuses is [.., RecipientStatus.Accepted]
            && verdict.Kind is MilterVerdictKind.Reject or MilterVerdictKind.Tempfail or MilterVerdictKind.Reply)
            _recipientStatuses[^1] = RecipientStatus.RefusedByFilter;
    }

    internal void EndMessage()
    {
        Sender = null;
        _recipients?.Clear();
        _recipientStatuses?.Clear();
    }
}
