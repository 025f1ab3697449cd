using Milter;

namespace MyMilter;

/// <summary>
/// The filter: one instance per SMTP connection. The source generator completes this class at compile time and
/// negotiates only what it uses: headers without a reply, recipients with one, the add-header action.
/// </summary>
[MailFilter("mymilter")]
public sealed partial class MyMilterFilter
{
    private int _headers;

    /// <summary>Refuses one address, as an example of a decision the MTA waits for.</summary>
    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient) =>
        recipient.Address.Equals("blocked@example.com", StringComparison.OrdinalIgnoreCase)
            ? MilterVerdict.Reject(550, "5.7.1", "This recipient does not take mail")
            : MilterVerdict.Continue;

    /// <summary>Counts the headers; returns nothing, so the MTA does not wait for it.</summary>
    [OnHeader]
    public void Header(string name, string value) => _headers++;

    /// <summary>The only place a message can change.</summary>
    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-MyMilter", $"{_headers} headers seen");
        _headers = 0;
        return MilterVerdict.Accept;
    }

    /// <summary>A message abandoned before its end: start afresh.</summary>
    [OnAbort]
    public void Abort() => _headers = 0;
}
