// actions: Disclaimer = AddHeaders, ChangeHeaders, ChangeBody
// runs: Disclaimer = Accept; ReplaceBody
// Milter.Mime: the message as a MimeMessage, edited, and only the differences sent ([UsesActions] from the package).
using Milter.Mime;
using MimeKit;

namespace Corpus.Mime;

[MailFilter("disclaimer")]
public sealed partial class Disclaimer : IDisposable
{
    private readonly MessageCapture _capture = new();

    [OnHeader]
    public void Header(string name, string value) => _capture.AddHeader(name, value);

    [OnBody]
    public void Body(ReadOnlyMemory<byte> chunk) => _capture.AddBody(chunk.Span);

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        var mime = _capture.Message;
        if (mime.BodyParts.OfType<TextPart>().FirstOrDefault(p => p.IsPlain) is { } text)
            text.Text += "\r\n-- \r\nThis message was scanned.";
        message.ApplyChanges(_capture);
        _capture.Clear();
        return MilterVerdict.Accept;
    }

    [OnAbort]
    public void Abort() => _capture.Clear();

    public void Dispose() => _capture.Dispose();
}
