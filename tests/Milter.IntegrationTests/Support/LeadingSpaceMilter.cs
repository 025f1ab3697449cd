namespace Milter.IntegrationTests.Support;

/// <summary>
/// The second milter behind each MTA, negotiating HDR_LEADSPC: values arrive with the space after the colon and
/// go out exactly as given. It acts only on messages whose X-Case is "leading-space".
/// </summary>
[MailFilter("leading-space", HeaderLeadingSpace = true)]
internal sealed partial class LeadingSpaceMilter
{
    private string? _case;
    private string? _subject;

    [OnHeader]
    public void Header(string name, string value)
    {
        if (name.Equals("X-Case", StringComparison.OrdinalIgnoreCase))
            _case = value.Trim();
        else if (name.Equals("Subject", StringComparison.OrdinalIgnoreCase))
            _subject = value;
    }

    [OnAbort]
    public void Abort() => (_case, _subject) = (null, null);

    [OnEndOfMessage]
    public void End(EndOfMessageContext message)
    {
        if (_case == "leading-space")
        {
            message.AddHeader("X-Seen-Subject", $" [{_subject}]");
            message.AddHeader("X-Kept", " one space as sent");
            message.AddHeader("X-Glued", "no space at all");
            message.ChangeHeader("X-Dup", "  two spaces");
        }

        (_case, _subject) = (null, null);
    }
}
