using System.Diagnostics;

namespace Milter;

/// <summary>
/// What a dry-run part's record (<see cref="DryRunRecord"/>) becomes once the part is done with a message: its one applied
/// change, a header naming what it would have done, and a report in the logs, metrics and traces.
/// </summary>
internal static class DryRunReport
{
    /// <summary>A dry-run part's one applied change: a header naming what it would have done.</summary>
    public static void AddHeader(MilterComposition composition, PartRun part, EndOfMessageContext message, bool leadingSpace)
    {
        if (!part.Applied || !part.Settings.DryRun || part.Settings.Options.DryRunHeader is not { } name)
            return;
        if ((message.Context.Negotiation.Actions & ActionFlags.AddHeaders) == 0)
        {
            PipelineLog.DryRunHeaderRefused(composition.Logger, composition.Name, part.Name);
            return;
        }

        var record = new EndOfMessageContext(message.Context, message.Output, message.Changes, fresh: false) { AddLeadingSpace = leadingSpace };
        record.AddHeader(name, $"{part.Name}: {part.DryRun}");
        record.Complete();
    }

    /// <summary>One log line, one metric and one trace event per dry-run part that applied to the message.</summary>
    public static void Publish(MilterComposition composition, PartRun[] parts, MilterContext context)
    {
        foreach (var part in parts)
        {
            if (!part.Applied || !part.Settings.DryRun)
                continue;
            part.Applied = false;
            var outcome = part.DryRun.ToString();
            PipelineLog.DryRun(composition.Logger, composition.Name, part.Name, outcome, context.QueueIdForLog);
            MilterMetrics.RecordDryRun(composition.Name, part.Name, part.DryRun.VerdictName);
            if (Activity.Current is { } activity)
            {
                activity.SetTag($"{TagNames.DryRun}.{part.Name}", outcome);
                activity.AddEvent(new ActivityEvent(TagNames.DryRun, tags: new()
                {
                    [TagNames.Part] = part.Name,
                    [TagNames.Verdict] = part.DryRun.VerdictName,
                    [TagNames.DryRunOutcome] = outcome,
                }));
            }
        }
    }
}
