using System.Globalization;
using Milter.Protocol;

namespace Milter;

/// <summary>Which message limit decided; its name is the one logs, metrics and traces show.</summary>
internal enum LimitKind
{
    Headers,
    HeaderBytes,
    Recipients,
    MessageSize,
    BodyBytes,
}

/// <summary>One limit that is set: its maximum and the verdict it gives, resolved once for every connection.</summary>
internal sealed class LimitRule
{
    private LimitRule(LimitKind kind, long max, LimitVerdict verdict)
    {
        Kind = kind;
        Max = max;
        Action = verdict.Action;
        Verdict = verdict.ToMilterVerdict(action => OwnReply(kind, action, max));
    }

    public LimitKind Kind { get; }

    public long Max { get; }

    public LimitAction Action { get; }

    public MilterVerdict Verdict { get; }

    /// <summary>The limit's name in logs, metrics and traces: the setting's name.</summary>
    public string Name => NameOf(Kind);

    /// <summary>The verdict's name in logs, metrics and traces.</summary>
    public string ActionName => Action switch
    {
        LimitAction.Reject => "reject",
        LimitAction.Tempfail => "tempfail",
        _ => "accept",
    };

    /// <summary>A rule for a limit that is set, or null.</summary>
    public static LimitRule? For(LimitKind kind, long? max, LimitVerdict verdict) => max is { } value ? new(kind, value, verdict) : null;

    public static string NameOf(LimitKind kind) => kind switch
    {
        LimitKind.Headers => "MaxHeaders",
        LimitKind.HeaderBytes => "MaxHeaderBytes",
        LimitKind.Recipients => "MaxRecipients",
        LimitKind.MessageSize => "MaxMessageSize",
        _ => "MaxBodyBytes",
    };

    /// <summary>
    /// The limit's own reply (RFC 3463 status codes): 552 5.6.0 for headers, as Sendmail's own header limit; 452 4.5.3 for
    /// recipients (RFC 5321 §4.5.3.1.10: the client sends them again in another transaction); 552 5.3.4 for size. A
    /// tempfail keeps the subject with a 4xx class where RFC 3463 allows it (X.3.4 is permanent only: 4.3.0 instead).
    /// </summary>
    internal static SmtpReply OwnReply(LimitKind kind, LimitAction action, long max)
    {
        var temporary = action == LimitAction.Tempfail;
        var limit = max.ToString(CultureInfo.InvariantCulture);
        return kind switch
        {
            LimitKind.Headers => Reply(temporary, 552, "5.6.0", 451, "4.6.0", $"Too many header fields (limit {limit})"),
            LimitKind.HeaderBytes => Reply(temporary, 552, "5.6.0", 451, "4.6.0", $"Header section too large (limit {limit} bytes)"),
            LimitKind.Recipients => SmtpReply.Create(452, "4.5.3", $"Too many recipients (limit {limit} per message)"),
            LimitKind.MessageSize => Reply(temporary, 552, "5.3.4", 451, "4.3.0", $"Message too big (limit {limit} bytes)"),
            _ => Reply(temporary, 552, "5.3.4", 451, "4.3.0", $"Message body too big (limit {limit} bytes)"),
        };
    }

    private static SmtpReply Reply(bool temporary, int code, string status, int temporaryCode, string temporaryStatus, string text) =>
        temporary ? SmtpReply.Create(temporaryCode, temporaryStatus, text + ", try again later") : SmtpReply.Create(code, status, text);
}
