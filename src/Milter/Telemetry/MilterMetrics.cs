using System.Diagnostics;
using System.Diagnostics.Metrics;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The runtime's metrics, on the meter named <c>Milter</c> (OpenTelemetry picks it up with <c>AddMeter("Milter")</c>).
/// Names, units and tags follow OpenTelemetry's conventions; docs/observability.md lists each instrument.
/// </summary>
public static class MilterMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Milter";

    private static readonly Meter Meter = new(MeterName, typeof(MilterMetrics).Assembly.GetName().Version?.ToString());

    // Milliseconds to minutes: handlers answer in microseconds when they only read, in seconds when they call out.
    private static readonly InstrumentAdvice<double> DurationAdvice = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    };

    internal static readonly UpDownCounter<long> ActiveConnections =
        Meter.CreateUpDownCounter<long>("milter.connection.active", "{connection}", "Milter connections currently open.");

    internal static readonly Counter<long> AcceptedConnections =
        Meter.CreateCounter<long>("milter.connection.accepted", "{connection}", "Milter connections accepted and served.");

    internal static readonly Counter<long> RefusedConnections =
        Meter.CreateCounter<long>("milter.connection.refused", "{connection}", "Milter connections closed at once, by reason (limit: MaxConnections reached).");

    internal static readonly Counter<long> Messages =
        Meter.CreateCounter<long>("milter.messages", "{message}", "Messages ended, by filter and verdict (aborted: the MTA gave up the message).");

    internal static readonly Histogram<double> MessageDuration =
        Meter.CreateHistogram("milter.message.duration", "s", "Time from a message's first command to its end, by filter and verdict.", advice: DurationAdvice);

    internal static readonly Counter<long> Verdicts =
        Meter.CreateCounter<long>("milter.verdicts", "{verdict}", "Verdicts sent to the MTA, by step and verdict.");

    internal static readonly Counter<long> Actions =
        Meter.CreateCounter<long>("milter.actions", "{action}", "Message changes sent at end of message, by kind.");

    internal static readonly Counter<long> ProtocolErrors =
        Meter.CreateCounter<long>("milter.protocol.errors", "{error}", "Connections closed because of a protocol error, by kind.");

    internal static readonly Counter<long> HandlerErrors =
        Meter.CreateCounter<long>("milter.handler.errors", "{error}", "Handler calls that failed (exception, time limit, illegal verdict, missing action), by step and kind.");

    internal static readonly Histogram<double> HandlerDuration =
        Meter.CreateHistogram("milter.handler.duration", "s", "Time spent in handler calls, by step.", advice: DurationAdvice);

    internal static readonly Counter<long> Io =
        Meter.CreateCounter<long>("milter.io", "By", "Bytes received from and sent to MTAs.");

    internal static readonly Counter<long> ProgressSent =
        Meter.CreateCounter<long>("milter.progress.sent", "{message}", "PROGRESS messages sent during long end-of-message work.");

    internal static readonly Counter<long> LimitsReached =
        Meter.CreateCounter<long>("milter.limits.reached", "{decision}", "Messages (or recipients, for MaxRecipients) a message limit decided, by limit and verdict.");
    internal static readonly Counter<long> DryRuns =
        Meter.CreateCounter<long>("milter.pipeline.dry_run", "{message}", "Messages a dry-run pipeline part saw, by pipeline, part and the verdict it would have given.");

    private static readonly KeyValuePair<string, object?> Received = new("network.io.direction", "receive");
    private static readonly KeyValuePair<string, object?> Transmitted = new("network.io.direction", "transmit");

    internal static void RecordRefused(string reason)
    {
        if (RefusedConnections.Enabled)
            RefusedConnections.Add(1, new KeyValuePair<string, object?>(TagNames.RefusalReason, reason));
    }

    internal static void RecordVerdict(MilterSteps step, MilterVerdictKind kind)
    {
        if (Verdicts.Enabled)
            Verdicts.Add(1, new(TagNames.Step, StepName(step)), new(TagNames.Verdict, VerdictName(kind)));
    }

    internal static void RecordLimit(string limit, string verdict)
    {
        if (LimitsReached.Enabled)
            LimitsReached.Add(1, new(TagNames.Limit, limit), new(TagNames.Verdict, verdict));
    }

    internal static void RecordMessage(string? filter, string verdict, long startTimestamp)
    {
        if (Messages.Enabled)
            Messages.Add(1, new(TagNames.Filter, filter), new(TagNames.Verdict, verdict));
        if (MessageDuration.Enabled)
            MessageDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new(TagNames.Filter, filter), new(TagNames.Verdict, verdict));
    }

    internal static void RecordActions(List<MilterResponseCode> codes)
    {
        if (!Actions.Enabled)
            return;
        foreach (var code in codes)
            Actions.Add(1, new KeyValuePair<string, object?>(TagNames.Action, ActionName(code)));
    }

    internal static void RecordDryRun(string pipeline, string part, string verdict)
    {
        if (DryRuns.Enabled)
            DryRuns.Add(1, new(TagNames.Pipeline, pipeline), new(TagNames.Part, part), new(TagNames.Verdict, verdict));
    }

    internal static void RecordDuration(MilterSteps step, long startTimestamp)
    {
        // A start of 0: nobody listened when the call began.
        if (HandlerDuration.Enabled && startTimestamp != 0)
            HandlerDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>(TagNames.Step, StepName(step)));
    }

    internal static void RecordHandlerError(MilterSteps step, string errorType)
    {
        if (HandlerErrors.Enabled)
            HandlerErrors.Add(1, new(TagNames.Step, StepName(step)), new(TagNames.ErrorType, errorType));
    }

    internal static void RecordProtocolError(MilterProtocolError error)
    {
        if (ProtocolErrors.Enabled)
            ProtocolErrors.Add(1, new KeyValuePair<string, object?>(TagNames.ErrorType, ProtocolErrorName(error)));
    }

    internal static void RecordReceived(long bytes)
    {
        if (Io.Enabled && bytes > 0)
            Io.Add(bytes, Received);
    }

    internal static void RecordSent(long bytes)
    {
        if (Io.Enabled && bytes > 0)
            Io.Add(bytes, Transmitted);
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

    internal static string VerdictName(MilterVerdictKind kind) => kind switch
    {
        MilterVerdictKind.Continue => "continue",
        MilterVerdictKind.Accept => "accept",
        MilterVerdictKind.Reject => "reject",
        MilterVerdictKind.Tempfail => "tempfail",
        MilterVerdictKind.Discard => "discard",
        MilterVerdictKind.Reply => "reply",
        MilterVerdictKind.Skip => "skip",
        _ => "other",
    };

    internal static string ActionName(MilterResponseCode code) => code switch
    {
        MilterResponseCode.AddHeader => "add_header",
        MilterResponseCode.InsertHeader => "insert_header",
        MilterResponseCode.ChangeHeader => "change_header",
        MilterResponseCode.AddRecipient or MilterResponseCode.AddRecipientWithParameters => "add_recipient",
        MilterResponseCode.DeleteRecipient => "delete_recipient",
        MilterResponseCode.ReplaceBody => "replace_body",
        MilterResponseCode.ChangeSender => "change_sender",
        MilterResponseCode.Quarantine => "quarantine",
        _ => "other",
    };

    // Written out rather than ToString(): stable names for dashboards, and no string per call.
    private static string ProtocolErrorName(MilterProtocolError error) => error switch
    {
        MilterProtocolError.ZeroLength => "zero_length",
        MilterProtocolError.FrameTooLarge => "frame_too_large",
        MilterProtocolError.TruncatedFrame => "truncated_frame",
        MilterProtocolError.UnknownCommand => "unknown_command",
        MilterProtocolError.MalformedPayload => "malformed_payload",
        MilterProtocolError.OutOfOrder => "out_of_order",
        MilterProtocolError.Negotiation => "negotiation",
        MilterProtocolError.Timeout => "timeout",
        MilterProtocolError.UnexpectedReply => "unexpected_reply",
        _ => "other",
    };
}
