// actions: Stamper = AddHeaders, ChangeHeaders, DeleteRecipients, Quarantine
// runs: Stamper = Accept; AddHeader, ChangeHeader, DeleteRecipient, Quarantine
// C# as people write it today: a C# 14 extension block, an extension method, a context method as a method group,
// a disposable that edits on Dispose, a static lambda with its state passed along, a local function, named replies.
using System.Diagnostics;
using System.Globalization;

namespace Corpus.Modern;

public static class MessageExtensions
{
    extension(EndOfMessageContext message)
    {
        public void Tag(string value) => message.AddHeader("X-Tag", value);

        public bool HasManyRecipients => message.Recipients.Count > 1;
    }

    public static void Hold(this EndOfMessageContext message, string why) => message.Quarantine(why);
}

public sealed class Timing(EndOfMessageContext message) : IDisposable
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public void Dispose() =>
        message.AddHeader("X-Filter-Time", Stopwatch.GetElapsedTime(_start).TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture));
}

internal static class Retry
{
    public static void Run<TState>(Action<EndOfMessageContext, TState> action, EndOfMessageContext message, TState state)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                action(message, state);
                return;
            }
            catch (System.IO.IOException) when (attempt < 2)
            {
            }
        }
    }
}

[MailFilter("stamper")]
public sealed partial class Stamper
{
    private readonly List<string> _dropped = [];

    [OnRcpt]
    public MilterVerdict Rcpt(string recipient)
    {
        if (recipient.Contains("blocked", StringComparison.OrdinalIgnoreCase))
            return MilterVerdict.Reject(extendedCode: "5.7.1", code: 550, lines: ["Recipient blocked", "by policy"]);
        if (recipient.Contains("user@", StringComparison.Ordinal))
            _dropped.Add(recipient);
        return MilterVerdict.Continue;
    }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        using var timing = new Timing(message);
        message.Tag("checked");
        _dropped.ForEach(message.DeleteRecipient);
        Retry.Run(static (m, subject) => m.ChangeHeader("Subject", subject), message, "[checked] Cheap pills");
        if (message.HasManyRecipients)
            Hold();
        _dropped.Clear();
        return MilterVerdict.Accept;

        void Hold() => message.Hold("many recipients");
    }

    [OnAbort]
    public void Abort() => _dropped.Clear();
}
