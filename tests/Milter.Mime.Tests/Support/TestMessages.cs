using System.IO.Compression;
using Milter.Testing;
using MimeKit;

namespace Milter.Mime.Tests.Support;

/// <summary>The real-world shaped messages in Messages/, and zip archives built for a test.</summary>
internal static class TestMessages
{
    public static readonly string[] Files = ["nested.eml", "missing-boundary.eml", "unterminated.eml", "8bit-headers.eml"];

    public static byte[] Load(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Messages", file));

    public static MimeMessage Parse(byte[] message) => MimeMessage.Load(new MemoryStream(message));

    /// <summary>The delivered message exactly as the MTA would hold it (raw header values, body bytes): what byte-level checks need.</summary>
    public static Milter.Client.MailMessage Raw(MilterTestResult outcome)
    {
        outcome.AssertAccepted();
        return outcome.Outcome.Delivered!.Message;
    }

    /// <summary>A zip with the given entries; an entry's content is bytes, or a nested set of entries (another zip).</summary>
    public static byte[] Zip(params (string Name, object Content)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                entry.Write(content switch
                {
                    byte[] bytes => bytes,
                    (string, object)[] nested => Zip(nested),
                    _ => throw new ArgumentException("bytes or entries", nameof(entries)),
                });
            }
        }

        return output.ToArray();
    }

    /// <summary>A message with one attachment per (name, bytes), base64 encoded, as a mail client would send it.</summary>
    public static byte[] WithAttachments(params (string Name, byte[] Content)[] attachments)
    {
        var builder = new BodyBuilder { TextBody = "See the attachments.\r\n" };
        foreach (var (name, content) in attachments)
            builder.Attachments.Add(name, content);
        var message = new MimeMessage
        {
            Subject = "Attachments",
            MessageId = "test@example.org",
            Date = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero),
            Body = builder.ToMessageBody(),
        };
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.To.Add(MailboxAddress.Parse("rcpt@example.com"));
        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, output);
        return output.ToArray();
    }
}
