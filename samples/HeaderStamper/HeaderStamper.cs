using Milter;

namespace HeaderStamper;

/// <summary>
/// The minimal milter in the attribute style. The generator sees a header handler that returns nothing
/// (negotiated as no-reply), an end-of-message handler that adds a header (the only action requested),
/// and switches every other step off.
/// </summary>
[MailFilter("stamper")]
public partial class HeaderStamper
{
    private int _headers;

    [OnHeader]
    public void Header(string name, string value) => _headers++;

    [OnAbort]
    public void Abort() => _headers = 0;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-Stamped", $"{_headers} headers seen by Milter for .NET");
        _headers = 0;
        return MilterVerdict.Accept;
    }
}
