// actions: SpamTagger = ChangeHeaders, AddHeaders
// runs: SpamTagger = Accept; ChangeHeader, AddHeader
// Header tagging with local functions, a short-lived editor object, body skipping and constant replies.
namespace Corpus.Tagging;

internal sealed class HeaderEditor(EndOfMessageContext message) : IDisposable
{
    private int _changes;

    public void Prefix(string name, string current, string prefix)
    {
        if (!current.StartsWith(prefix, StringComparison.Ordinal))
        {
            message.ChangeHeader(name, prefix + " " + current);
            _changes++;
        }
    }

    public void Dispose()
    {
        if (_changes > 0)
            message.AddHeader("X-Tagged", _changes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

[MailFilter("tagger")]
public sealed partial class SpamTagger
{
    private static readonly MilterVerdict TooBig = MilterVerdict.Reject(552, "5.3.4", "Message too big");
    private string _subject = string.Empty;
    private long _size;
    private int _hits;

    [OnHeader]
    public void Header(string name, string value)
    {
        if (name.Equals("Subject", StringComparison.OrdinalIgnoreCase))
            _subject = value;
    }

    [OnBody]
    public MilterVerdict Body(ReadOnlyMemory<byte> chunk)
    {
        _size += chunk.Length;
        _hits += chunk.Span.IndexOf("viagra"u8) >= 0 ? 1 : 0;
        return _size > 10_000_000 ? TooBig : _hits > 0 ? MilterVerdict.Skip : MilterVerdict.Continue;
    }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        void Mark() => message.AddHeader("X-Spam-Flag", "YES");

        if (_hits == 0)
            return MilterVerdict.Accept;
        using (var editor = new HeaderEditor(message))
            editor.Prefix("Subject", _subject, "[SPAM]");
        Mark();
        (_size, _hits) = (0, 0);
        return _hits switch
        {
            > 100 => MilterVerdict.Tempfail(451, "4.7.1", "Try again later"),
            _ => MilterVerdict.Accept,
        };
    }
}
