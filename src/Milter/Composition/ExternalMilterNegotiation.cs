using Milter.Protocol;

namespace Milter;

/// <summary>
/// What an <see cref="ExternalMilter"/> offers the external milter, and what it asks of the MTA for it: the external
/// milter's own negotiation reply turned into a <see cref="MilterDescription"/>, or, before one is known, everything.
/// </summary>
internal static class ExternalMilterNegotiation
{
    /// <summary>
    /// Protocol options the relay can honour whatever the MTA granted: steps it does not relay or does not wait for, SKIP
    /// (the session stops the body itself when the MTA lacks it), and leading space (translated both ways here).
    /// </summary>
    private const ProtocolFlags Emulated = ProtocolFlags.AllNoSteps | ProtocolFlags.AllNoReply | ProtocolFlags.Skip | ProtocolFlags.HeaderLeadingSpace;

    /// <summary>The offer for a probe, when no MTA connection is at hand: everything an MTA can offer.</summary>
    public static OptionNegotiation FullOffer { get; } = new(OptionNegotiation.CurrentVersion, ActionFlags.All, ProtocolFlags.All);

    /// <summary>
    /// The offer on behalf of an MTA connection: the actions that MTA granted (so the external milter cannot ask for a
    /// change the MTA would refuse) with macro lists, and the protocol options the relay can honour, rejected recipients
    /// only when the MTA sends them.
    /// </summary>
    public static OptionNegotiation OfferFor(NegotiationResult mta) =>
        new(OptionNegotiation.CurrentVersion, mta.Actions | ActionFlags.SetMacroLists, Emulated | (mta.Protocol & ProtocolFlags.RejectedRecipients));

    /// <summary>
    /// Before the external milter has been asked: every step with a reply, every action if the MTA offers it, the MTA's
    /// configured macros, header values with their leading space (exact, whatever the milter asks for later). Sound for any milter; it costs only the round trips of steps the milter would have switched off.
    /// </summary>
    public static MilterDescription Everything(string name) => new()
    {
        Name = name,
        Steps = MilterSteps.Negotiable,
        OptionalActions = ActionFlags.All & ~ActionFlags.SetMacroLists,
        HeaderLeadingSpace = true,
        Skip = true,
    };

    /// <summary>
    /// What the MTA is asked for, given the external milter's reply: its steps, its no-reply steps, its actions (optional,
    /// so an MTA that lacks one still negotiates, and the external milter is then offered less), its macro lists, its
    /// leading-space and rejected-recipients options, so the MTA sends and receives what it would with the milter itself.
    /// SKIP is always asked, so the body can stop when the milter says so.
    /// </summary>
    public static MilterDescription Describe(string name, OptionNegotiation reply)
    {
        var steps = MilterSteps.Negotiable;
        var noReply = MilterSteps.None;
        foreach (var (step, no, noReplyFlag) in MilterDescription.StepFlags)
        {
            if ((reply.Protocol & no) != 0)
                steps &= ~step;
            else if ((reply.Protocol & noReplyFlag) != 0)
                noReply |= step;
        }

        // Older versions have no such commands, so the MTA need not send them.
        if (reply.Version < 4)
            steps &= ~MilterSteps.Data;
        if (reply.Version < 3)
            steps &= ~MilterSteps.Unknown;
        return new MilterDescription
        {
            Name = name,
            Steps = steps,
            NoReplySteps = noReply & steps,
            OptionalActions = reply.Actions & ~ActionFlags.SetMacroLists,
            Macros = reply.MacroRequests,
            HeaderLeadingSpace = (reply.Protocol & ProtocolFlags.HeaderLeadingSpace) != 0,
            Skip = true,
            RejectedRecipients = (reply.Protocol & ProtocolFlags.RejectedRecipients) != 0,
        };
    }
}
