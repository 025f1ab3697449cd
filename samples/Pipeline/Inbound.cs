using Microsoft.Extensions.Logging;
using Milter;

namespace Pipeline;

/// <summary>The pipeline this sample serves on one socket: the local policy, then the new rule (in dry run by configuration).</summary>
public static class Inbound
{
    public static MilterComposition Build(IServiceProvider? services = null, ILogger? logger = null)
    {
        var pipeline = MilterPipeline.Create("inbound")
            .Add<LocalPolicy>(services)
            // OpenDKIM goes here as an external part, signing only what authenticated clients send: its type (ExternalMilter,
            // an IMilterHandlerFactory reaching inet:127.0.0.1:8891 over the protocol) is added by the external-milter work.
            .Add<NewRule>(services);
        return (logger is null ? pipeline : pipeline.WithLogger(logger)).Build();
    }
}
