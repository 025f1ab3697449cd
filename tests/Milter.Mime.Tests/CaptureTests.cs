using Milter.Mime.Tests.Support;
using MimeKit;

namespace Milter.Mime.Tests;

public sealed class CaptureTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("milter-mime-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static void Feed(MessageCapture capture, byte[] message)
    {
        var parsed = Client.MailMessage.Parse(message);
        foreach (var (name, value) in parsed.Headers)
            capture.AddHeader(name, value);
        // In pieces, as the MTA sends the body.
        var body = parsed.Body;
        for (var offset = 0; offset < body.Length; offset += 1000)
            capture.AddBody(body.Span.Slice(offset, Math.Min(1000, body.Length - offset)));
    }

    [Fact]
    public void A_small_message_stays_in_memory_and_parses_back()
    {
        using var capture = new MessageCapture(new MessageCaptureOptions { TemporaryDirectory = _temp });
        Feed(capture, TestMessages.Load("nested.eml"));

        Assert.False(capture.IsSpilled);
        Assert.Equal("Invoice 2026-1142", capture.Message.Subject);
        Assert.Equal(["invoice-2026-1142.pdf", "payment-details.pdf.exe", "forwarded.eml"],
            capture.Message.Attachments.Select(a => a.ContentDisposition?.FileName ?? a.ContentType.Name));
        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public void A_large_message_goes_to_a_temporary_file_that_never_has_a_name()
    {
        var attachment = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(attachment);
        using var capture = new MessageCapture(new MessageCaptureOptions { MemoryLimit = 64 * 1024, TemporaryDirectory = _temp });
        Feed(capture, TestMessages.WithAttachments(("data.bin", attachment)));

        Assert.True(capture.IsSpilled);
        // Unlinked as soon as it was created: nothing to leak if the process dies.
        Assert.Empty(Directory.GetFiles(_temp));
        var part = Assert.IsType<MimePart>(Assert.Single(capture.Message.Attachments));
        using var decoded = new MemoryStream();
        part.Content!.DecodeTo(decoded);
        Assert.Equal(attachment, decoded.ToArray());

        capture.Clear();
        Assert.False(capture.IsSpilled);
        Assert.Equal(0, capture.Size);
        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public void Eight_bit_and_encoded_headers_come_back_decoded()
    {
        using var capture = new MessageCapture();
        Feed(capture, TestMessages.Load("8bit-headers.eml"));
        var message = capture.Message;

        Assert.Equal("Grüße aus Köln", message.Subject);
        Assert.Equal("Jürgen Müller", message.From.Mailboxes.Single().Name);
        Assert.Equal("René", message.To.Mailboxes.Single().Name);
        Assert.Equal("Schöne Grüße.", Assert.IsType<TextPart>(message.Body).Text.TrimEnd());
    }

    [Fact]
    public void The_body_is_kept_byte_for_byte()
    {
        var bytes = TestMessages.Load("nested.eml");
        using var capture = new MessageCapture(new MessageCaptureOptions { MemoryLimit = 512 });
        Feed(capture, bytes);

        using var body = capture.OpenBody();
        using var copy = new MemoryStream();
        body.CopyTo(copy);
        Assert.Equal(Client.MailMessage.Parse(bytes).Body.ToArray(), copy.ToArray());
    }

    [Fact]
    public void A_header_after_the_body_is_refused_with_a_clear_error()
    {
        using var capture = new MessageCapture();
        capture.AddHeader("Subject", "one");
        capture.AddBody("text\r\n"u8);

        var error = Assert.Throws<InvalidOperationException>(() => capture.AddHeader("Subject", "two"));
        Assert.Contains("cleared", error.Message, StringComparison.Ordinal);
    }
}
