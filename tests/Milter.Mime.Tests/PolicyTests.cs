using Milter.Mime.Tests.Support;
using Milter.Testing;
using MimeKit;

namespace Milter.Mime.Tests;

public sealed class PolicyTests
{
    [Fact]
    public void Blocked_attachments_are_replaced_with_a_notice_and_the_rest_is_kept()
    {
        var message = TestMessages.Parse(TestMessages.Load("nested.eml"));

        var defanged = new AttachmentPolicy().Apply(message);

        // The script inside the forwarded message goes; the forwarded message itself stays.
        Assert.Equal(["payment-details.pdf.exe", "update.js"], defanged.Select(d => d.FileName));
        Assert.Equal(".exe files are not accepted", defanged[0].Reason);
        Assert.Equal(["invoice-2026-1142.pdf", "payment-details.pdf.exe.removed.txt", "forwarded.eml"], message.Attachments.Select(Attachments.FileNameOf));
        var forwarded = Assert.IsType<MessagePart>(message.Attachments.Last()).Message;
        Assert.Equal(["update.js.removed.txt"], forwarded!.Attachments.Select(Attachments.FileNameOf));
        var notice = (TextPart)message.Attachments.First(a => Attachments.FileNameOf(a) == "payment-details.pdf.exe.removed.txt");
        Assert.Equal("The attachment \"payment-details.pdf.exe\" was removed by the mail filter: .exe files are not accepted.", notice.Text.TrimEnd());
    }

    [Fact]
    public void A_zip_with_a_blocked_file_inside_an_inner_zip_is_removed()
    {
        var zip = TestMessages.Zip(("inner.zip", new (string, object)[] { ("Invoice.PDF.js ", "x"u8.ToArray()) }), ("ok.txt", "x"u8.ToArray()));
        var message = TestMessages.Parse(TestMessages.WithAttachments(("report.zip", zip), ("report.pdf", "%PDF"u8.ToArray())));

        var defanged = Assert.Single(new AttachmentPolicy().Apply(message));

        Assert.Equal(("report.zip", "it contains report.zip/inner.zip/Invoice.PDF.js "), (defanged.FileName, defanged.Reason));
        Assert.Equal(["report.zip.removed.txt", "report.pdf"], message.Attachments.Select(Attachments.FileNameOf));
    }

    [Fact]
    public void An_archive_that_cannot_be_checked_is_removed_unless_allowed()
    {
        byte[] Message() => TestMessages.WithAttachments(("broken.zip", "PK\u0003\u0004 damaged"u8.ToArray()));

        var strict = new AttachmentPolicy().Apply(TestMessages.Parse(Message()));
        var lenient = new AttachmentPolicy { AllowUnreadableArchives = true }.Apply(TestMessages.Parse(Message()));

        Assert.StartsWith("broken.zip could not be checked: not a readable zip archive", Assert.Single(strict).Reason, StringComparison.Ordinal);
        Assert.Empty(lenient);
    }

    [Fact]
    public async Task Through_the_milter_only_the_body_is_replaced_and_the_delivered_message_has_the_notice()
    {
        var policy = new AttachmentPolicy();
        var (outcome, changes) = await RewritingMilter.RunAsync(TestMessages.Load("unterminated.eml"), m => policy.Apply(m));

        Assert.Equal(new MimeChanges(0, true), changes);
        var delivered = outcome.AssertAccepted();
        Assert.Equal(["setup.exe.removed.txt"], delivered.Attachments.Select(Attachments.FileNameOf));
        Assert.Equal("First part.", ((TextPart)delivered.BodyParts.First()).Text.TrimEnd());
    }

    [Fact]
    public async Task A_large_message_is_rewritten_from_disk_and_its_new_body_streamed_out()
    {
        var data = new byte[3 * 1024 * 1024];
        new Random(11).NextBytes(data);
        var policy = new AttachmentPolicy();
        var options = new MessageCaptureOptions { MemoryLimit = 64 * 1024 };

        var (outcome, changes) = await RewritingMilter.RunAsync(TestMessages.WithAttachments(("data.bin", data), ("tool.exe", "MZ"u8.ToArray())), m => policy.Apply(m), options);

        Assert.True(changes.BodyReplaced);
        var delivered = outcome.AssertAccepted();
        Assert.Equal(["data.bin", "tool.exe.removed.txt"], delivered.Attachments.Select(Attachments.FileNameOf));
        using var decoded = new MemoryStream();
        ((MimePart)delivered.Attachments.First()).Content!.DecodeTo(decoded);
        Assert.Equal(data, decoded.ToArray());
    }

    [Fact]
    public void The_extension_check_ignores_case_and_trailing_dots_and_spaces()
    {
        var policy = new AttachmentPolicy();

        Assert.True(policy.IsBlocked("SETUP.EXE"));
        Assert.True(policy.IsBlocked("run.bat. . "));
        Assert.False(policy.IsBlocked("exe"));
        Assert.False(policy.IsBlocked("notes.txt"));
    }
}
