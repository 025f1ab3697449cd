using Milter.Protocol;

namespace Milter;

/// <summary>
/// What a milter needs from the MTA, known before it runs: the steps it handles, the steps it never answers,
/// the message changes it makes, the macros it reads, and protocol options. The session negotiates from it.
/// The source generator emits one per attributed class; a hand-written <see cref="IMilterHandler"/> declares its own.
/// </summary>
public sealed record MilterDescription
{
    /// <summary>The steps whose handler is called. Others are negotiated away (SMFIP_NO*); end of message, abort and close are always called.</summary>
    public MilterSteps Steps { get; init; } = MilterSteps.Negotiable;

    /// <summary>Steps whose handler never decides anything: negotiated as no-reply (SMFIP_NR_*), or answered CONTINUE by the session when the MTA cannot do that.</summary>
    public MilterSteps NoReplySteps { get; init; }

    /// <summary>A short name for logs (the <see cref="MailFilterAttribute.Name"/> of a generated filter).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The message changes the milter makes at end of message: all must be offered by the MTA, or negotiation fails.
    /// A change listed neither here nor in <see cref="OptionalActions"/> throws when attempted.
    /// </summary>
    public ActionFlags Actions { get; init; }

    /// <summary>
    /// Changes the milter may make, requested only when the MTA offers them. The generator puts here what code it cannot
    /// see might do (an end-of-message context handed to a library); a change the MTA did not grant throws when attempted.
    /// </summary>
    public ActionFlags OptionalActions { get; init; }

    /// <summary>Macro lists to request per stage; empty to take what the MTA is configured to send.</summary>
    public IReadOnlyList<MacroRequest> Macros { get; init; } = [];

    /// <summary>Header values keep their leading space both ways (SMFIP_HDR_LEADSPC).</summary>
    public bool HeaderLeadingSpace { get; init; }

    /// <summary>Also see recipients the MTA itself rejected (SMFIP_RCPT_REJ).</summary>
    public bool RejectedRecipients { get; init; }

    /// <summary>The body handler may return <see cref="MilterVerdict.Skip"/>; request SMFIP_SKIP so the MTA stops sending the body.</summary>
    public bool Skip { get; init; }

    /// <summary>A milter that handles every step and replies to each, with no actions.</summary>
    public static MilterDescription Default { get; } = new();

    /// <summary>The negotiation request this description amounts to.</summary>
    public NegotiationRequest ToNegotiationRequest()
    {
        var protocol = ProtocolFlags.None;
        foreach (var (step, no, noReply) in StepFlags)
        {
            if ((Steps & step) == 0)
                protocol |= no;
            else if ((NoReplySteps & step) != 0)
                protocol |= noReply;
        }

        if (HeaderLeadingSpace)
            protocol |= ProtocolFlags.HeaderLeadingSpace;
        if (RejectedRecipients)
            protocol |= ProtocolFlags.RejectedRecipients;
        if (Skip)
            protocol |= ProtocolFlags.Skip;
        return new NegotiationRequest(Actions, protocol, Macros) { OptionalActions = OptionalActions };
    }

    /// <summary>Each negotiable step with its "don't send" and "no reply" bits.</summary>
    internal static readonly (MilterSteps Step, ProtocolFlags No, ProtocolFlags NoReply)[] StepFlags =
    [
        (MilterSteps.Connect, ProtocolFlags.NoConnect, ProtocolFlags.NoReplyConnect),
        (MilterSteps.Helo, ProtocolFlags.NoHelo, ProtocolFlags.NoReplyHelo),
        (MilterSteps.Mail, ProtocolFlags.NoMail, ProtocolFlags.NoReplyMail),
        (MilterSteps.Rcpt, ProtocolFlags.NoRcpt, ProtocolFlags.NoReplyRcpt),
        (MilterSteps.Data, ProtocolFlags.NoData, ProtocolFlags.NoReplyData),
        (MilterSteps.Header, ProtocolFlags.NoHeaders, ProtocolFlags.NoReplyHeader),
        (MilterSteps.EndOfHeaders, ProtocolFlags.NoEndOfHeaders, ProtocolFlags.NoReplyEndOfHeaders),
        (MilterSteps.Body, ProtocolFlags.NoBody, ProtocolFlags.NoReplyBody),
        (MilterSteps.Unknown, ProtocolFlags.NoUnknown, ProtocolFlags.NoReplyUnknown),
    ];

    /// <inheritdoc />
    public bool Equals(MilterDescription? other) =>
        other is not null && Name == other.Name && Steps == other.Steps && NoReplySteps == other.NoReplySteps && Actions == other.Actions
        && OptionalActions == other.OptionalActions
        && HeaderLeadingSpace == other.HeaderLeadingSpace && RejectedRecipients == other.RejectedRecipients && Skip == other.Skip
        && Macros.SequenceEqual(other.Macros);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Steps, NoReplySteps, Actions, HeaderLeadingSpace, RejectedRecipients, Skip);
}
