namespace Milter.Protocol;

/// <summary>The outcome of option negotiation, from the milter's side.</summary>
/// <param name="Offer">What the MTA offered, as it was sent.</param>
/// <param name="Reply">The OPTNEG reply to send.</param>
/// <param name="SelfAnsweredSteps">
/// No-reply bits the milter wanted but the MTA did not offer: the MTA will wait for a reply to these steps,
/// so the session must send CONTINUE itself.
/// </param>
/// <param name="UnavailableOptions">
/// Other requested bits the MTA did not offer and that were left out of the reply: steps it will send anyway
/// (No*) and features it does not support (skip, rejected recipients, leading space).
/// </param>
/// <param name="MacroListsDropped">Macro lists were requested but the MTA does not accept them; it will send its configured macros.</param>
public sealed record NegotiationResult(
    OptionNegotiation Offer,
    OptionNegotiation Reply,
    ProtocolFlags SelfAnsweredSteps,
    ProtocolFlags UnavailableOptions,
    bool MacroListsDropped)
{
    /// <summary>The protocol version both sides speak.</summary>
    public uint Version => Reply.Version;

    /// <summary>The actions the milter may use.</summary>
    public ActionFlags Actions => Reply.Actions;

    /// <summary>The protocol options in force.</summary>
    public ProtocolFlags Protocol => Reply.Protocol;
}
