namespace Milter;

/// <summary>
/// A pipeline's answer at a step where no part ended it (a part's reject, tempfail, discard or reply is the answer as it
/// comes): the parts' verdicts merged as Postfix merges a chain's.
/// </summary>
internal static class CombinedVerdict
{
    /// <summary>
    /// Skip once no part reads the body any more; accept once every part is done (and no dry-run header is still to be
    /// added); otherwise continue. <paramref name="description"/> is the one the connection negotiated from.
    /// </summary>
    public static MilterVerdict ForStep(PartRun[] parts, MilterDescription description, MilterSteps step)
    {
        if (step is MilterSteps.Rcpt or MilterSteps.Unknown || (description.NoReplySteps & step) != 0)
            return MilterVerdict.Continue;
        var messageStep = PartCaller.IsMessageStep(step);
        var anyActive = false;
        var anyReadsBody = false;
        foreach (var part in parts)
        {
            var active = !part.ConnectionDone && (!messageStep || part.Open);
            anyActive |= active || (messageStep && part.Applied && part.Settings.DryRun && part.Settings.Options.DryRunHeader is not null);
            anyReadsBody |= active && part.Handles(MilterSteps.Body) && !part.SkipBody;
        }

        if (step == MilterSteps.Body && !anyReadsBody)
            return MilterVerdict.Skip;
        return anyActive ? MilterVerdict.Continue : MilterVerdict.Accept;
    }
}
