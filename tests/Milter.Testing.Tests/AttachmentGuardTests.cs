using System.IO.Compression;
using AttachmentGuard;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Milter.Testing.Tests;

/// <summary>The attachment guard sample, tested in memory with Milter.Testing.</summary>
public sealed class AttachmentGuardTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly MilterTest _test;

    public AttachmentGuardTests()
    {
        var settings = new GuardSettings { ExtraBlockedExtensions = ["docm"] };
        _services = new ServiceCollection().AddLogging().AddSingleton(settings).AddSingleton(settings.CreatePolicy()).BuildServiceProvider();
        _test = MilterTest.For<Guard>(_services);
    }

    public async ValueTask DisposeAsync()
    {
        await _test.DisposeAsync();
        await _services.DisposeAsync();
    }

    private static MimeMessage Message(string? html = null, params (string Name, byte[] Content)[] attachments)
    {
        var body = new BodyBuilder { TextBody = "Hello.\r\n", HtmlBody = html };
        foreach (var (name, content) in attachments)
            body.Attachments.Add(name, content);
        var message = new MimeMessage { Subject = "Files", Body = body.ToMessageBody() };
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.To.Add(MailboxAddress.Parse("rcpt@example.com"));
        return message;
    }

    private static byte[] Zip(string entryName)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            zip.CreateEntry(entryName).Open().Dispose();
        return output.ToArray();
    }

    private async Task<MimeMessage> DeliveredAsync(MimeMessage message)
    {
        var outcome = await _test.SendAsync(message, "sender@example.org", "rcpt@example.com");
        return outcome.AssertAccepted();
    }

    [Fact]
    public async Task A_message_of_thousands_of_parts_is_tempfailed_without_being_parsed()
    {
        var body = new Multipart("mixed");
        for (var i = 0; i < 1500; i++)
            body.Add(new TextPart("plain") { Text = "x" });
        var message = Message();
        message.Body = body;

        var outcome = await _test.SendAsync(message, "sender@example.org", "rcpt@example.com");

        outcome.AssertTempfailed(451, "4.7.0");
        Assert.Empty(outcome.Actions);
    }

    [Fact]
    public async Task A_clean_message_passes_without_a_single_change()
    {
        var outcome = await _test.SendAsync(Message("<p>hi</p>", ("report.pdf", "%PDF-1.4"u8.ToArray())), "sender@example.org", "rcpt@example.com");

        outcome.AssertAccepted();
        Assert.Empty(outcome.Actions);
    }

    [Fact]
    public async Task An_executable_is_replaced_with_a_notice_and_the_message_is_marked()
    {
        var delivered = await DeliveredAsync(Message(null, ("invoice.pdf.exe", "MZ"u8.ToArray()), ("report.pdf", "%PDF"u8.ToArray())));

        Assert.Equal(["invoice.pdf.exe.removed.txt", "report.pdf"], delivered.Attachments.Select(a => a.ContentDisposition?.FileName));
        Assert.Equal("removed 1 attachment(s), cleaned 0 HTML part(s)", delivered.Headers["X-Attachment-Guard"]);
    }

    [Fact]
    public async Task A_zip_hiding_a_script_and_a_configured_extension_are_both_removed()
    {
        var delivered = await DeliveredAsync(Message(null, ("photos.zip", Zip("holiday/photo.jpg.js")), ("letter.docm", "PK"u8.ToArray())));

        Assert.Equal(["photos.zip.removed.txt", "letter.docm.removed.txt"], delivered.Attachments.Select(a => a.ContentDisposition?.FileName));
    }

    [Fact]
    public async Task Scripts_are_removed_from_html()
    {
        var delivered = await DeliveredAsync(Message("<p onclick=\"x()\">Hi<script>evil()</script></p>"));

        Assert.Equal("<p>Hi</p>", delivered.HtmlBody?.Trim());
        Assert.Equal("removed 0 attachment(s), cleaned 1 HTML part(s)", delivered.Headers["X-Attachment-Guard"]);
    }

    [Fact]
    public void The_filter_negotiates_headers_and_body_without_replies_and_the_actions_it_needs()
    {
        var description = Guard.Description;

        Assert.Equal(MilterSteps.Header | MilterSteps.Body, description.NoReplySteps);
        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.ChangeBody, description.Actions);
    }
}
