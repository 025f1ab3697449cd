namespace Milter.IntegrationTests.Support;

/// <summary>
/// The local part put before an external one in the composed oracle: it changes the Subject and adds a Reply-To (both
/// headers OpenDKIM signs) and a header of its own, so what the external milter signs or stamps depends on the order.
/// </summary>
[MailFilter("signing-policy")]
internal sealed partial class SigningPolicyMilter
{
    [OnEndOfMessage]
    public void End(EndOfMessageContext message)
    {
        message.ChangeHeader("Subject", "[policy] checked");
        message.AddHeader("Reply-To", "<desk@example.org>");
        message.AddHeader("X-Policy", "checked");
    }
}
