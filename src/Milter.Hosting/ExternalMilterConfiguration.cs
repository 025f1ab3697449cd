using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Milter.Hosting;

/// <summary>
/// An external milter part read from configuration: the <c>External</c> section of a pipeline part, for example
/// <c>Milter:Pipeline:Parts:opendkim:External</c> with <c>Address</c> (<c>inet:8891@127.0.0.1</c>, Postfix's
/// <c>inet:127.0.0.1:8891</c> or <c>unix:/path</c>), <c>ConnectTimeout</c>, <c>CommandTimeout</c>, <c>EndOfMessageTimeout</c>
/// (<c>00:00:05</c>) and <c>WhenUnavailable</c> (<c>Continue</c>, <c>Tempfail</c>, <c>Reject</c>). The pipeline's binding
/// calls it for each part; a part without that section is a local one.
/// </summary>
public static class ExternalMilterConfiguration
{
    /// <summary>The name of a part's section that makes it external.</summary>
    public const string SectionName = "External";

    /// <summary>The options in <paramref name="part"/>'s <c>External</c> section, named after the part; <see langword="null"/> when it has none.</summary>
    public static ExternalMilterOptions? ReadOptions(IConfigurationSection part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var section = part.GetSection(SectionName);
        if (!section.Exists())
            return null;
        var options = new ExternalMilterOptions { Name = part.Key };
        section.Bind(options);
        return options;
    }

    /// <summary>
    /// The external milter of <paramref name="part"/>, or <see langword="null"/> for a local part. Call
    /// <see cref="ExternalMilter.ProbeAsync"/> before serving, so the MTA is asked for what the milter needs.
    /// </summary>
    /// <exception cref="ArgumentException">The section has no address, or a value out of range.</exception>
    public static ExternalMilter? Create(IConfigurationSection part, ILogger? logger = null) =>
        ReadOptions(part) is { } options ? new ExternalMilter(options, logger) : null;
}
