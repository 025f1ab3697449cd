namespace Milter.Hosting;

/// <summary>
/// A pipeline's settings in configuration (section <c>Milter:Pipeline</c>): per part, by its name, what may change without
/// code. What configuration sets replaces what code set; what it leaves out keeps the code's value. Reloaded by SIGHUP (or an
/// edited appsettings.json) for the messages that start afterwards.
/// </summary>
/// <example><c>"Milter": { "Pipeline": { "Parts": { "policy": { "DryRun": true, "DryRunHeader": "X-DryRun-Policy" } } } }</c></example>
public sealed class MilterPipelineHostingOptions
{
    /// <summary>The section under the milter's section.</summary>
    public const string SectionName = "Pipeline";

    /// <summary>The parts' settings, by part name (<see cref="MilterPartOptions.Name"/>, case-insensitive).</summary>
    public Dictionary<string, MilterPartHostingOptions> Parts { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One part's settings in configuration (<c>Milter:Pipeline:Parts:&lt;name&gt;</c>); each left out keeps the code's value.</summary>
public sealed class MilterPartHostingOptions
{
    /// <summary>Evaluation mode (<see cref="MilterPartOptions.DryRun"/>).</summary>
    public bool? DryRun { get; set; }

    /// <summary>The dry-run header (<see cref="MilterPartOptions.DryRunHeader"/>); empty for none.</summary>
    public string? DryRunHeader { get; set; }

    /// <summary>Client networks in CIDR notation (<see cref="MilterPartConditions.ClientNetworks"/>).</summary>
    public List<string>? ClientNetworks { get; set; }

    /// <summary>Authenticated senders only (<see cref="MilterPartConditions.AuthenticatedOnly"/>).</summary>
    public bool? AuthenticatedOnly { get; set; }

    /// <summary>Recipient domains (<see cref="MilterPartConditions.RecipientDomains"/>).</summary>
    public List<string>? RecipientDomains { get; set; }

    /// <summary>Sets <paramref name="options"/> to <paramref name="baseline"/> (the part as code made it) with <paramref name="configured"/> over it.</summary>
    internal static void Apply(MilterPartHostingOptions? configured, MilterPartOptions options, MilterPartOptions baseline)
    {
        options.DryRun = configured?.DryRun ?? baseline.DryRun;
        options.DryRunHeader = configured?.DryRunHeader is not { } header ? baseline.DryRunHeader : header.Length == 0 ? null : header;
        options.When = new MilterPartConditions
        {
            ClientNetworks = configured?.ClientNetworks ?? baseline.When.ClientNetworks,
            AuthenticatedOnly = configured?.AuthenticatedOnly ?? baseline.When.AuthenticatedOnly,
            RecipientDomains = configured?.RecipientDomains ?? baseline.When.RecipientDomains,
            Predicate = baseline.When.Predicate,
        };
    }
}
