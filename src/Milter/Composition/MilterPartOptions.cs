namespace Milter;

/// <summary>How one part of a <see cref="MilterPipeline"/> runs: its name, when it applies, and whether it only reports.</summary>
public sealed class MilterPartOptions
{
    /// <summary>The part's name in logs, metrics, traces and configuration (<c>Milter:Pipeline:Parts:&lt;name&gt;</c>). Defaults to the filter's name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>When the part applies; a part that does not apply to a message behaves as if it had accepted it.</summary>
    public MilterPartConditions When { get; set; } = new();

    /// <summary>
    /// Evaluation mode: the part runs on real mail, but its verdicts and changes are only recorded (a log line per message, the
    /// <c>milter.pipeline.dry_run</c> metric, trace attributes, and <see cref="DryRunHeader"/>), never applied.
    /// </summary>
    public bool DryRun { get; set; }

    /// <summary>
    /// In <see cref="DryRun"/>, a header (an <c>X-</c> name, such as <c>X-DryRun-Policy</c>) added to each message the part saw,
    /// naming what it would have done: the one change a dry-run part makes. <see langword="null"/> for none.
    /// </summary>
    public string? DryRunHeader { get; set; }

    internal MilterPartOptions Clone() => new()
    {
        Name = Name,
        DryRun = DryRun,
        DryRunHeader = DryRunHeader,
        When = new MilterPartConditions
        {
            ClientNetworks = [.. When.ClientNetworks],
            AuthenticatedOnly = When.AuthenticatedOnly,
            RecipientDomains = [.. When.RecipientDomains],
            Predicate = When.Predicate,
        },
    };
}
