
namespace Milter.Generators.Tests.Filters;

/// <summary>The design sketch, for real: compiled with the generator and driven end to end.</summary>
[MailFilter("stamp")]
public partial class StampFilter(IClock clock)
{
    private int _seen;

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient rcpt, [Macro("{auth_authen}")] string? user) =>
        rcpt.Address.EndsWith("@blocked.example", StringComparison.Ordinal) && user is null
            ? MilterVerdict.Reject(550, "5.7.1", "Relaying denied")
            : MilterVerdict.Continue;

    [OnHeader]
    public void Header(string name, string value) => _seen++;

    [OnEndOfMessage]
    public async ValueTask<MilterVerdict> End(EndOfMessageContext msg, CancellationToken ct)
    {
        await Task.Yield();
        msg.AddHeader("X-Stamped", $"{_seen} headers at {clock.Now}");
        _seen = 0;
        return MilterVerdict.Accept;
    }

    [OnAbort]
    public void Abort() => _seen = 0;
}

public interface IClock
{
    string Now { get; }
}

/// <summary>Only connect and helo, both unanswered; nothing to change.</summary>
[MailFilter]
public partial class ConnectionLogger
{
    public List<string> Seen { get; } = [];

    [OnConnect]
    public void Connect(ConnectionInfo connection) => Seen.Add(connection.HostName);

    [OnHelo]
    public Task Helo(string name)
    {
        Seen.Add(name);
        return Task.CompletedTask;
    }
}

/// <summary>A body scanner that skips the rest of the body once it has seen enough, and changes the body.</summary>
[MailFilter(RejectedRecipients = true)]
public partial class BodyScanner
{
    private long _bytes;

    [OnBody]
    public MilterVerdict Body(ReadOnlyMemory<byte> chunk)
    {
        _bytes += chunk.Length;
        return _bytes > 100 ? MilterVerdict.Skip : MilterVerdict.Continue;
    }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.ReplaceBody("scanned\r\n"u8.ToArray());
        return MilterVerdict.Continue;
    }
}

/// <summary>Actions declared explicitly, macros requested on the class, leading space kept.</summary>
[MailFilter(InferActions = false, ExtraActions = ActionFlags.Quarantine, HeaderLeadingSpace = true)]
[RequestMacros(MacroStage.Mail, "{auth_type}")]
public partial class Quarantiner
{
    [OnMail]
    public ValueTask<MilterVerdict> Mail(string address, MilterContext context, CancellationToken cancellationToken) =>
        new(address.Length == 0 ? MilterVerdict.Discard : MilterVerdict.Continue);

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.Quarantine("always");
        return MilterVerdict.Continue;
    }
}

public static partial class Outer
{
    /// <summary>Nested in a static partial class, with no constructor parameters and every change inferred.</summary>
    [MailFilter]
    internal sealed partial class Rewriter
    {
        [OnEndOfMessage]
        public MilterVerdict End(EndOfMessageContext message)
        {
            Envelope(message);
            message.DeleteHeader("X-Secret");
            return MilterVerdict.Accept;
        }

        private static void Envelope(EndOfMessageContext message)
        {
            message.ChangeSender("<bounces@example.org>");
            message.AddRecipient("<archive@example.org>");
            message.AddRecipient("<audit@example.org>", "NOTIFY=NEVER");
            message.DeleteRecipient("<a@example.org>");
            message.InsertHeader(0, "X-First", "1");
        }
    }
}

/// <summary>Changes made through a helper of another class, which declares its actions with [UsesActions].</summary>
[MailFilter]
public partial class HelperCaller
{
    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.Redact();
        return MilterVerdict.Continue;
    }
}

/// <summary>A library-style helper: the generator cannot see into it from the filter, so it declares what it does.</summary>
public static class RedactionHelpers
{
    [UsesActions(ActionFlags.ChangeHeaders | ActionFlags.ChangeBody)]
    public static void Redact(this EndOfMessageContext message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.DeleteHeader("X-Secret");
    }
}

/// <summary>A sealed record: its compiler-made copy constructor must never be the one the factory calls.</summary>
[MailFilter]
public sealed partial record Greeter(string Greeting = "hello")
{
    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-Greeting", Greeting);
        return MilterVerdict.Accept;
    }
}
