using System.Diagnostics;
using System.Diagnostics.Metrics;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The runtime's metrics, on the meter named <c>Milter</c> (OpenTelemetry picks it up with <c>AddMeter("Milter")</c>).
/// </summary>
public static class MilterMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Milter";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly UpDownCounter<long> OpenConnections =
        Meter.CreateUpDownCounter<long>("milter.connections.open", "{connection}", "Milter connections currently open.");

    internal static readonly Counter<long> Connections =
        Meter.CreateCounter<long>("milter.connections", "{connection}", "Milter connections accepted.");

    internal static readonly Counter<long> Messages =
        Meter.CreateCounter<long>("milter.messages", "{message}", "Messages that reached end of message.");

    internal static readonly Counter<long> Verdicts =
        Meter.CreateCounter<long>("milter.verdicts", "{verdict}", "Verdicts sent, by kind and step.");

    internal static readonly Counter<long> Actions =
        Meter.CreateCounter<long>("milter.actions", "{action}", "Message changes sent, by kind.");

    internal static readonly Counter<long> ProtocolErrors =
        Meter.CreateCounter<long>("milter.protocol_errors", "{error}", "Connections closed because of a protocol error, by kind.");

    internal static readonly Counter<long> HandlerErrors =
        Meter.CreateCounter<long>("milter.handler_errors", "{error}", "Handler exceptions and illegal verdicts, by step.");

    internal static readonly Histogram<double> HandlerDuration =
        Meter.CreateHistogram<double>("milter.handler.duration", "s", "Time spent in handlers, by step.");

    internal static void RecordVerdict(MilterSteps step, MilterVerdictKind kind)
    {
        if (Verdicts.Enabled)
            Verdicts.Add(1, new TagList { { "step", StepName(step) }, { "verdict", kind.ToString() } });
    }

    internal static void RecordActions(List<MilterResponseCode> codes)
    {
        if (!Actions.Enabled)
            return;
        foreach (var code in codes)
            Actions.Add(1, new KeyValuePair<string, object?>("action", code.ToString()));
    }

    internal static void RecordDuration(MilterSteps step, long startTimestamp)
    {
        if (HandlerDuration.Enabled)
            HandlerDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("step", StepName(step)));
    }

    internal static string StepName(MilterSteps step) => step switch
    {
        MilterSteps.Connect => "connect",
        MilterSteps.Helo => "helo",
        MilterSteps.Mail => "mail",
        MilterSteps.Rcpt => "rcpt",
        MilterSteps.Data => "data",
        MilterSteps.Header => "header",
        MilterSteps.EndOfHeaders => "eoh",
        MilterSteps.Body => "body",
        MilterSteps.Unknown => "unknown",
        MilterSteps.EndOfMessage => "eom",
        MilterSteps.Abort => "abort",
        MilterSteps.Close => "close",
        _ => "other",
    };
}
