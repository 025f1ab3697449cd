namespace Milter.Generators.Tests.Filters;

/// <summary>
/// C# 14 as the SDK's compiler builds it, with the generator and analyzers as analyzers (a MILTER000 or an AD0001
/// fails this project's build): an extension block, a context method group, a disposable that edits on Dispose.
/// </summary>
[MailFilter("modern")]
public sealed partial class ModernFilter
{
    private readonly List<string> _dropped = ["<old@example.org>"];

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        using var timing = new EditTimer(message);
        message.Tag("modern");
        _dropped.ForEach(message.DeleteRecipient);
        return MilterVerdict.Accept;
    }
}

/// <summary>Adds a header when disposed, as a timing helper would.</summary>
public sealed class EditTimer(EndOfMessageContext message) : IDisposable
{
    /// <summary>Stamps the message.</summary>
    public void Dispose() => message.AddHeader("X-Timed", "yes");
}

/// <summary>A C# 14 extension block on the context.</summary>
public static class ModernExtensions
{
    extension(EndOfMessageContext message)
    {
        /// <summary>Quarantines the message with a tag.</summary>
        public void Tag(string value) => message.Quarantine("tagged " + value);
    }
}
