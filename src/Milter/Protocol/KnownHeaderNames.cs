namespace Milter.Protocol;

/// <summary>
/// The header names nearly every message carries, in their usual spellings, as ready-made strings: decoding one of them
/// allocates nothing. Any other name (or spelling) is decoded as usual.
/// </summary>
internal static class KnownHeaderNames
{
    private static readonly (byte[] Bytes, string Name)[] s_names = Table(
        "Received", "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "Message-Id", "Sender", "Reply-To",
        "Return-Path", "In-Reply-To", "References", "MIME-Version", "Mime-Version", "Content-Type",
        "Content-Transfer-Encoding", "Content-Disposition", "Content-Language", "DKIM-Signature", "Authentication-Results",
        "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Received-SPF", "List-Id", "List-Unsubscribe",
        "List-Unsubscribe-Post", "Precedence", "User-Agent", "X-Mailer", "Delivered-To", "Feedback-ID", "Thread-Topic",
        "Thread-Index", "Importance", "Organization", "X-Originating-IP", "X-Spam-Status", "X-Spam-Flag", "Auto-Submitted");

    /// <summary>The name as a string: a table entry when the bytes are one of the known spellings.</summary>
    public static string Decode(ReadOnlySpan<byte> name)
    {
        foreach (var (bytes, text) in s_names)
        {
            if (bytes.Length == name.Length && name.SequenceEqual(bytes))
                return text;
        }

        return WireText.Decode(name);
    }

    private static (byte[], string)[] Table(params string[] names) =>
        Array.ConvertAll(names, n => (System.Text.Encoding.ASCII.GetBytes(n), n));
}
