using System.Text;
using MimeKit;

namespace Milter.Authentication.Tests;

/// <summary>Messages as they arrive on the wire: CRLF, folded headers, an 8-bit body.</summary>
internal static class Messages
{
    public const string Plain =
        "From: Alice <alice@example.org>\r\n" +
        "To: bob@example.net\r\n" +
        "Subject: a subject that is long enough\r\n\tto be folded onto a second line\r\n" +
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        "Message-ID: <m1@example.org>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "\r\n" +
        "Grüße aus Köln.   \r\n" +
        "Trailing spaces and\ttabs.\r\n" +
        "\r\n\r\n";

    public static MimeMessage Parse(string text) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    public static MimeMessage Parse(byte[] bytes) => MimeMessage.Load(new MemoryStream(bytes));

    /// <summary>The message as bytes on the wire.</summary>
    public static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, stream);
        return stream.ToArray();
    }

    /// <summary>A signed copy: the signature fields put on top, then written and read again as a receiver would.</summary>
    public static MimeMessage Signed(string text, IReadOnlyList<DkimSigningKey> keys, DkimSigningOptions? options = null)
    {
        var message = Parse(text);
        foreach (var signature in new DkimSigning(options).Sign(message, keys))
            message.Headers.Insert(0, signature);
        return Parse(Bytes(message));
    }
}
