using Microsoft.Extensions.Logging;
using Milter;
using Milter.Mime;

namespace AttachmentGuard;

/// <summary>
/// Replaces dangerous attachments (by extension, inside zip archives too) with a short notice and removes scripts
/// from HTML, then sends only what changed: usually one body replacement and one added header. One instance per
/// SMTP connection; the message is captured from the header and body events and checked at end of message.
/// </summary>
[MailFilter("attachment-guard")]
public sealed partial class Guard(GuardSettings settings, AttachmentPolicy policy, ILogger<Guard> log) : IDisposable
{
    private readonly MessageCapture _message = new(new MessageCaptureOptions
    {
        MemoryLimit = settings.MemoryLimit,
        MaxParts = settings.MaxParts,
        OverLimit = settings.OverLimit,
    });

    [OnHeader]
    public void Header(string name, string value) => _message.AddHeader(name, value);

    [OnBody]
    public void Body(ReadOnlyMemory<byte> chunk) => _message.AddBody(chunk.Span);

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        try
        {
            // A message built to be expensive (a hundred thousand parts) is answered by the policy, not parsed.
            if (_message.OverLimitVerdict is { } overLimit)
            {
                Log.OverLimit(log, message.QueueId, _message.OverLimitReason!, overLimit);
                return overLimit;
            }

            var mime = _message.Message;
            var removed = policy.Apply(mime);
            var scripts = settings.RemoveHtmlScripts ? HtmlScripts.Remove(mime) : 0;
            if (removed.Count == 0 && scripts == 0)
                return MilterVerdict.Accept;

            foreach (var attachment in removed)
                Log.Removed(log, message.QueueId, attachment.FileName, attachment.Reason);
            mime.Headers.Add("X-Attachment-Guard", $"removed {removed.Count} attachment(s), cleaned {scripts} HTML part(s)");
            message.ApplyChanges(_message);
            return MilterVerdict.Accept;
        }
        finally
        {
            _message.Clear();
        }
    }

    [OnAbort]
    public void Abort() => _message.Clear();

    /// <summary>Removes the temporary file of a message in progress when the connection ends.</summary>
    public void Dispose() => _message.Dispose();

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Information, "{QueueId}: removed attachment {FileName}: {Reason}")]
        public static partial void Removed(ILogger logger, string? queueId, string fileName, string reason);

        [LoggerMessage(LogLevel.Warning, "{QueueId}: not checked: {Reason} Answering {Verdict}")]
        public static partial void OverLimit(ILogger logger, string? queueId, string reason, MilterVerdict verdict);
    }
}
