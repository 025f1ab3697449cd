using Microsoft.Extensions.Logging;
using Milter;
using Milter.Hosting;

namespace Pipeline;

/// <summary>
/// The pipeline this sample serves on one socket, as the site wants it: our policy only for inbound mail (to our domain),
/// the new rule on everything (in dry run), and OpenDKIM signing only what authenticated clients send. Code sets the order;
/// the conditions, the dry run and OpenDKIM's address, timeouts and fallback are configuration (appsettings.json).
/// </summary>
public static class Inbound
{
    /// <summary>
    /// The composition; with <paramref name="services"/> (the host's), OpenDKIM is added from configuration as its last
    /// part (shown the headers and body as the parts before it left them, it signs what is delivered). Without a host (a
    /// test in memory) there is no configuration to find OpenDKIM in, and the two local parts run alone.
    /// </summary>
    public static MilterComposition Build(IServiceProvider? services = null, ILogger? logger = null)
    {
        var pipeline = MilterPipeline.Create("inbound")
            .Add<LocalPolicy>(services)
            .Add<NewRule>(services);
        if (services is not null)
            pipeline.AddExternal(services, "opendkim");
        return (logger is null ? pipeline : pipeline.WithLogger(logger)).Build();
    }
}
