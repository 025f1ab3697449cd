// actions: Concrete = AddHeaders, ChangeBody
// runs: Concrete = Accept; AddHeader, ReplaceBody
// runs: ConnectionLog = Continue; none
// A filter on a generic base class with shared helpers, and a record filter with a primary constructor.
using Microsoft.Extensions.Logging;

namespace Corpus.Inheritance;

public abstract class StampingBase<TOptions> where TOptions : class
{
    protected TOptions? Options { get; init; }

    protected static void Stamp(EndOfMessageContext message, string value) => message.AddHeader("X-Stamp", value);

    protected virtual void Finish(EndOfMessageContext message)
    {
    }
}

public sealed record FooterOptions(string Footer);

[MailFilter]
public sealed partial class Concrete : StampingBase<FooterOptions>
{
    public Concrete(FooterOptions? options = null) => Options = options;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        Stamp(message, "concrete");
        Finish(message);
        return MilterVerdict.Accept;
    }

    protected override void Finish(EndOfMessageContext message) =>
        message.ReplaceBody(System.Text.Encoding.UTF8.GetBytes((Options?.Footer ?? "-- ") + "\r\n"));
}

[MailFilter("logger")]
public sealed partial record ConnectionLog(ILogger<ConnectionLog> Log)
{
    [OnConnect]
    public void Connect(ConnectionInfo connection, [Macro("{daemon_name}")] string? daemon) =>
        Log.LogInformation("connect from {Address} on {Daemon}", connection.Address, daemon);

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient, [Macro("{auth_authen}")] string? user) =>
        user is null && recipient.Address.EndsWith("@internal.example>", StringComparison.OrdinalIgnoreCase)
            ? MilterVerdict.Reject(550, "5.7.1", "Authentication required", "for internal recipients")
            : MilterVerdict.Continue;
}
