namespace Milter.Hosting;

/// <summary>The names the runtime publishes under (until the runtime's own constants are merged).</summary>
internal static class MilterTelemetrySources
{
    public const string ActivitySourceName = "Milter";
}
