namespace Milter.Perf;

/// <summary>
/// The ordinary filter of tests/perf/compare.sh, what most users write: notes the sender, judges each recipient (so
/// the MTA waits for an answer at RCPT), keeps the Subject from headers taken as strings, forgets on abort, and at end
/// of message adds a header, adds a recipient and changes Subject. Built against today's engine and against the
/// baseline commit's, so it uses only what both offer.
/// </summary>
[MailFilter("ordinary")]
public partial class OrdinaryFilter
{
    private string? _sender;
    private string? _subject;
    private int _recipients;

    [OnMail]
    public void Mail(Sender sender) => _sender = sender.Address;

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient)
    {
        _recipients++;
        return _recipients > 100 || recipient.Address.EndsWith("@blocked.example", StringComparison.OrdinalIgnoreCase) || recipient.Address == _sender
            ? MilterVerdict.Reject()
            : MilterVerdict.Continue;
    }

    [OnHeader]
    public void Header(string name, string value)
    {
        if (_subject is null && name.Equals("Subject", StringComparison.OrdinalIgnoreCase))
            _subject = value;
    }

    [OnAbort]
    public void Abort() => Forget();

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-Perf", "seen");
        message.AddRecipient("<perf-added@example.net>");
        message.ChangeHeader("Subject", "[perf] " + _subject);
        Forget();
        return MilterVerdict.Accept;
    }

    private void Forget() => (_sender, _subject, _recipients) = (null, null, 0);
}
