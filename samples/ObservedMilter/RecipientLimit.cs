using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Milter;

namespace ObservedMilter;

/// <summary>
/// Refuses recipients beyond <see cref="RecipientLimitSettings.MaxRecipients"/> per message with 452 4.5.3 (the client
/// sends the rest later, in another message, as RFC 5321 asks), and stamps each message with the id of its trace, so a
/// delivered message leads to its trace. Its log lines carry the connection's scope: connection id, MTA, client, queue id.
/// </summary>
[MailFilter("observed")]
public partial class RecipientLimit(RecipientLimitSettings settings, ILogger<RecipientLimit> log)
{
    /// <summary>The header that carries the message's trace id (only while traces are recorded).</summary>
    public const string TraceHeader = "X-Milter-Trace-Id";

    private int _recipients;

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient)
    {
        if (++_recipients <= settings.MaxRecipients)
            return MilterVerdict.Continue;
        Log.TooManyRecipients(log, recipient.Address, settings.MaxRecipients);
        return MilterVerdict.Tempfail(452, "4.5.3", "Too many recipients, send the rest in another message");
    }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        var accepted = Math.Min(_recipients, settings.MaxRecipients);
        _recipients = 0;
        if (Activity.Current is { } trace)
            message.AddHeader(TraceHeader, trace.TraceId.ToHexString());
        Log.Checked(log, accepted);
        return MilterVerdict.Accept;
    }

    [OnAbort]
    public void Abort() => _recipients = 0;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Refusing <{Recipient}> for now: more than {Limit} recipients")]
        public static partial void TooManyRecipients(ILogger logger, string recipient, int limit);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Checked a message for {Recipients} recipient(s)")]
        public static partial void Checked(ILogger logger, int recipients);
    }
}
