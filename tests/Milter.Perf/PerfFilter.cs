namespace Milter.Perf;

/// <summary>
/// The behaviour all three milters of tests/perf/compare.sh share: read the Subject header, and at end of message
/// add a header, change Subject and add a recipient. The header handler returns nothing, so the generator negotiates
/// no reply for it; every step without a handler is switched off.
/// </summary>
[MailFilter("perf")]
public partial class PerfFilter
{
    private string? _subject;

    // A HeaderField is the header's bytes: only the Subject's value becomes a string, as in the C milter.
    [OnHeader]
    public void Header(HeaderField header)
    {
        if (_subject is null && header.NameIs("Subject"))
            _subject = header.Value;
    }

    [OnAbort]
    public void Abort() => _subject = null;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-Perf", "seen");
        message.ChangeHeader("Subject", "[perf] " + _subject);
        message.AddRecipient("<perf-added@example.net>");
        _subject = null;
        return MilterVerdict.Accept;
    }
}
