namespace Milter.Protocol;

/// <summary>Computes a milter's OPTNEG reply from the MTA's offer and the milter's wishes, following libmilter.</summary>
public static class OptionNegotiator
{
    private const ProtocolFlags Features = ProtocolFlags.Skip | ProtocolFlags.RejectedRecipients | ProtocolFlags.HeaderLeadingSpace;

    /// <summary>Negotiates. A pure function: the same inputs always give the same result.</summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>An offer of 0 actions or 0 protocol bits means the version 1 defaults (0x0F and 0x3F), as libmilter assumes.</item>
    /// <item>The version is the lower of the MTA's and 6; an MTA below <see cref="NegotiationRequest.MinimumVersion"/> is an error.</item>
    /// <item>Actions must all be offered, or negotiation fails: a milter that cannot make its changes must not run silently.
    /// Optional actions are added where offered.</item>
    /// <item>No-reply bits the MTA did not offer are dropped and reported in <see cref="NegotiationResult.SelfAnsweredSteps"/>.</item>
    /// <item>Step and feature bits the MTA did not offer are dropped and reported in <see cref="NegotiationResult.UnavailableOptions"/>;
    /// a step the milter wants switched off that the MTA cannot switch off is asked for without reply where it can be,
    /// except the body, which is skipped at its first chunk (<see cref="ProtocolFlags.Skip"/>) where the MTA offers that.</item>
    /// <item>Macro lists go out only when the MTA offers <see cref="ActionFlags.SetMacroLists"/>.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="MilterProtocolException">The MTA's version is too low or it does not offer a required action (<see cref="MilterProtocolError.Negotiation"/>).</exception>
    public static NegotiationResult Negotiate(OptionNegotiation offer, NegotiationRequest request)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(request);

        var minimum = Math.Max(request.MinimumVersion, NegotiationRequest.LowestSupportedVersion);
        if (offer.Version < minimum)
        {
            throw new MilterProtocolException(MilterProtocolError.Negotiation,
                $"The MTA offers milter protocol version {offer.Version}; this milter needs at least version {minimum}.");
        }

        var offeredActions = offer.Actions == ActionFlags.None ? ActionFlags.Version1Defaults : offer.Actions;
        var offeredProtocol = offer.Protocol == ProtocolFlags.None ? ProtocolFlags.Version1Defaults : offer.Protocol;

        var wantedActions = request.Actions & ActionFlags.All;
        var missing = wantedActions & ~offeredActions & ~ActionFlags.SetMacroLists;
        if (missing != ActionFlags.None)
        {
            throw new MilterProtocolException(MilterProtocolError.Negotiation,
                $"The MTA does not offer the actions this milter needs: {missing} (offered 0x{(uint)offeredActions:X}, needed 0x{(uint)wantedActions:X}).");
        }

        wantedActions |= request.OptionalActions & offeredActions & ActionFlags.All & ~ActionFlags.SetMacroLists;
        var macroRequests = request.MacroRequests;
        var macroListsDropped = false;
        if ((offeredActions & ActionFlags.SetMacroLists) == 0)
        {
            wantedActions &= ~ActionFlags.SetMacroLists;
            macroListsDropped = macroRequests.Count > 0;
            macroRequests = [];
        }
        else if (macroRequests.Count > 0)
        {
            wantedActions |= ActionFlags.SetMacroLists;
        }

        var wanted = request.Protocol & ProtocolFlags.All;
        var noReply = wanted & ProtocolFlags.AllNoReply;
        var others = wanted & (ProtocolFlags.AllNoSteps | Features);
        var granted = (noReply | others) & offeredProtocol;
        // A step the milter does not want but the MTA will send anyway (it cannot switch it off): ask for no reply to
        // it, so the MTA does not wait on every header or body chunk for a CONTINUE that decides nothing. A body is
        // better ended at its first chunk, with SKIP, where the MTA understands it: the rest is then never sent.
        foreach (var (step, no, noReplyToIt) in MilterDescription.StepFlags)
        {
            if ((wanted & no) == 0 || (offeredProtocol & no) != 0)
                continue;
            if (step == MilterSteps.Body && (offeredProtocol & ProtocolFlags.Skip) != 0)
                granted |= ProtocolFlags.Skip;
            else
                granted |= noReplyToIt & offeredProtocol;
        }

        var reply = new OptionNegotiation(Math.Min(offer.Version, OptionNegotiation.CurrentVersion), wantedActions, granted, macroRequests);
        return new NegotiationResult(offer, reply, noReply & ~offeredProtocol, others & ~offeredProtocol, macroListsDropped);
    }
}
