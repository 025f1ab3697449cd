using Milter.Protocol;

namespace Milter;

/// <summary>
/// The negotiation of a pipeline, computed from its parts: a step is asked for when a part handles it (or a part's condition
/// needs it), and is no-reply only when every part that handles it is; actions and optional actions are the unions (plus adding
/// headers, optionally, for the dry-run header); macros the union per stage; each option when any part asks for it (the
/// pipeline translates for the parts that did not).
/// </summary>
internal static class PipelineDescription
{
    /// <summary>Macros the conditions read, added to a stage only where a part asks for a list (the MTA's defaults include them).</summary>
    private static readonly (MacroStage Stage, string Name)[] ConditionMacros = [(MacroStage.Mail, "{auth_authen}")];

    public static MilterDescription Combine(string name, IReadOnlyList<IMilterHandlerFactory> parts, IReadOnlyList<PartSettings> settings)
    {
        var steps = MilterSteps.None;
        var replied = MilterSteps.None;
        var actions = ActionFlags.None;
        var optional = ActionFlags.AddHeaders;
        var macros = new List<(MacroStage Stage, List<string> Names)>();
        bool leadingSpace = false, rejected = false, skip = false;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i].Description;
            var needed = settings[i].NeededSteps;
            steps |= part.Steps | needed;
            replied |= part.Steps & ~part.NoReplySteps;
            actions |= part.Actions;
            optional |= part.OptionalActions;
            leadingSpace |= part.HeaderLeadingSpace;
            rejected |= part.RejectedRecipients;
            skip |= part.Skip;
            foreach (var request in part.Macros)
                Add(macros, request.Stage, request.Names);
        }

        foreach (var (stage, macro) in ConditionMacros)
        {
            if (macros.Exists(m => m.Stage == stage) && settings.Any(s => s.Options.When.AuthenticatedOnly))
                Add(macros, stage, [macro]);
        }

        return new MilterDescription
        {
            Name = name,
            Steps = steps,
            NoReplySteps = steps & ~replied,
            Actions = actions,
            OptionalActions = optional & ~actions,
            Macros = [.. macros.Select(m => new MacroRequest(m.Stage, m.Names))],
            HeaderLeadingSpace = leadingSpace,
            RejectedRecipients = rejected,
            Skip = skip,
        };
    }

    private static void Add(List<(MacroStage Stage, List<string> Names)> macros, MacroStage stage, IEnumerable<string> names)
    {
        var index = macros.FindIndex(m => m.Stage == stage);
        if (index < 0)
        {
            macros.Add((stage, []));
            index = macros.Count - 1;
        }

        foreach (var macro in names)
        {
            if (!macros[index].Names.Contains(macro, StringComparer.Ordinal))
                macros[index].Names.Add(macro);
        }
    }
}
