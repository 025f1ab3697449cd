namespace Milter.Perf;

// The ordinary filter's work cut into three filters, for the cost of composition in tests/perf/compare.sh: served as
// three milters chained by the MTA (three sockets, three processes), or as one milter composing the three.

/// <summary>Judges each recipient, as the ordinary filter does, and stamps the message at its end.</summary>
[MailFilter("stamp")]
public partial class StampPart
{
    private int _recipients;

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient) =>
        ++_recipients > 100 || recipient.Address.EndsWith("@blocked.example", StringComparison.OrdinalIgnoreCase)
            ? MilterVerdict.Reject()
            : MilterVerdict.Continue;

    [OnAbort]
    public void Abort() => _recipients = 0;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-Perf", "seen");
        _recipients = 0;
        return MilterVerdict.Continue;
    }
}

/// <summary>Keeps the Subject from headers taken as strings and changes it at end of message.</summary>
[MailFilter("subject")]
public partial class SubjectPart
{
    private string? _subject;

    [OnHeader]
    public void Header(string name, string value)
    {
        if (_subject is null && name.Equals("Subject", StringComparison.OrdinalIgnoreCase))
            _subject = value;
    }

    [OnAbort]
    public void Abort() => _subject = null;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.ChangeHeader("Subject", "[perf] " + _subject);
        _subject = null;
        return MilterVerdict.Continue;
    }
}

/// <summary>Notes the sender and adds a recipient at end of message.</summary>
[MailFilter("recipient")]
public partial class RecipientPart
{
    private string? _sender;

    [OnMail]
    public void Mail(Sender sender) => _sender = sender.Address;

    [OnAbort]
    public void Abort() => _sender = null;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddRecipient("<perf-added@example.net>");
        _sender = null;
        return MilterVerdict.Accept;
    }
}
