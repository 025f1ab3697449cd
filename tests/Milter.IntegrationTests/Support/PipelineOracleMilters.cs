namespace Milter.IntegrationTests.Support;

/// <summary>
/// The first part of the pipeline oracle: refuses recipients whose local part starts with "blocked", accepts early (at end of
/// headers) a message whose X-Case is "trusted", rejects one whose X-Case is "spam", and otherwise edits headers by index and
/// adds a recipient.
/// </summary>
[MailFilter("oracle-policy")]
internal sealed partial class OraclePolicyMilter
{
    private string? _case;

    [OnRcpt]
    public MilterVerdict Rcpt(string recipient) =>
        recipient.StartsWith("blocked", StringComparison.OrdinalIgnoreCase)
            ? MilterVerdict.Reject(550, "5.7.1", "blocked by policy")
            : MilterVerdict.Continue;

    [OnHeader]
    public void Header(string name, string value)
    {
        if (name.Equals("X-Case", StringComparison.OrdinalIgnoreCase))
            _case = value.Trim();
    }

    [OnEndOfHeaders]
    public MilterVerdict EndOfHeaders() => _case == "trusted" ? MilterVerdict.Accept : MilterVerdict.Continue;

    [OnAbort]
    public void Abort() => _case = null;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        var spam = _case == "spam";
        _case = null;
        if (spam)
            return MilterVerdict.Reject(550, "5.7.1", "spam by policy");
        message.InsertHeader(1, "X-Policy", "checked");
        message.ChangeHeader("Subject", "[policy] oracle");
        message.DeleteHeader("X-Note", 1);
        message.AddRecipient("<archive@dest.test>");
        return MilterVerdict.Continue;
    }
}

/// <summary>
/// The second part: its header indexes count the headers as the first part left them (X-Note 1 is the original second one
/// once the first part deleted the first), and it removes a recipient.
/// </summary>
[MailFilter("oracle-stamp")]
internal sealed partial class OracleStampMilter
{
    [OnEndOfMessage]
    public void End(EndOfMessageContext message)
    {
        message.ChangeHeader("X-Note", "stamped", 1);
        message.InsertHeader(2, "X-Stamp", "second below the first");
        message.AddHeader("X-Trail", "last");
        message.DeleteHeader("X-Drop");
        message.DeleteRecipient("<cc@dest.test>");
    }
}
