using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Milter.Hosting;

/// <summary>External milters as pipeline parts in the hosted form: their place in code, their address and timeouts in configuration.</summary>
public static class MilterPipelineExternalExtensions
{
    /// <summary>
    /// Adds, as the next part, the external milter configured in <c>Milter:Pipeline:Parts:&lt;name&gt;:External</c>
    /// (<see cref="ExternalMilterConfiguration"/>: <c>Address</c>, timeouts, <c>WhenUnavailable</c>). Code fixes its place in the
    /// order and its name; configuration says where the milter is, how long to wait for it and what to answer without it,
    /// and, like any part, its dry run and conditions (<c>Milter:Pipeline:Parts:&lt;name&gt;</c>, reloaded by SIGHUP).
    /// The milter is asked once here what it needs (<see cref="ExternalMilter.ProbeAsync"/>, within its connect and command
    /// timeouts), so the MTA is asked for exactly that; a milter down at start-up is served with everything asked for.
    /// </summary>
    /// <example><c>MilterPipeline.Create("outbound").Add&lt;Policy&gt;(sp).AddExternal(sp, "opendkim").Build()</c></example>
    /// <exception cref="OptionsValidationException">The part has no <c>External</c> section, or it is invalid.</exception>
    public static MilterPipeline AddExternal(this MilterPipeline pipeline, IServiceProvider services, string name,
        Action<MilterPartOptions>? configure = null, string configurationSection = MilterHostingOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var path = $"{configurationSection}:{MilterPipelineHostingOptions.SectionName}:Parts:{name}";
        var part = services.GetRequiredService<IConfiguration>().GetSection(path);
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Milter.Pipeline");
        ExternalMilter external;
        try
        {
            external = ExternalMilterConfiguration.Create(part, logger)
                ?? throw Invalid($"{path}:{ExternalMilterConfiguration.SectionName} is missing: the external part '{name}' needs at least its Address.");
        }
        catch (Exception e) when (e is ArgumentException or Server.MilterAddressException)
        {
            throw Invalid($"{path}:{ExternalMilterConfiguration.SectionName}: {e.Message}");
        }

        // The host builds its services synchronously; the wait is bounded by the part's own connect and command timeouts.
        external.ProbeAsync().GetAwaiter().GetResult();
        return pipeline.Add(external, options =>
        {
            configure?.Invoke(options);
            options.Name = name;
        });
    }

    private static OptionsValidationException Invalid(string failure) =>
        new(nameof(MilterPipelineHostingOptions), typeof(MilterPipelineHostingOptions), [failure]);
}
