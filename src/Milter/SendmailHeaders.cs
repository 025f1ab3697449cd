namespace Milter;

/// <summary>
/// What Sendmail 8.17 does with headers of its own, as measured behind it with libmilter milters (the integration
/// tests' reference milter) and as its standard configuration (H lines) and header table say.
/// </summary>
internal static class SendmailHeaders
{
    /// <summary>
    /// The default headers of the standard configuration, in its order, right below Sendmail's Received:. Each is
    /// hidden unless Sendmail fills it in (Date, From, Message-Id when the client sent none; the Resent- ones for a
    /// resent message). ADDHEADER of one of these names, and a CHGHEADER that finds no client header of it, take the
    /// hidden header's place instead of adding another, so the milter's header replaces the one Sendmail would generate.
    /// </summary>
    public static readonly string[] Defaults = ["Resent-Date", "Date", "Resent-From", "From", "Full-Name", "Resent-Message-Id", "Message-Id"];

    // Sendmail's header table marks these as Resent- headers (H_RESENT).
    private static readonly string[] Resent =
        ["Resent-Sender", "Resent-From", "Resent-Reply-To", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-Date", "Resent-Message-Id"];

    /// <summary>
    /// Whether Sendmail counts this as a Resent- header. A message that arrived without any is not a resent message, and
    /// Sendmail delivers no Resent- header in it at all, whoever added it and however (ADDHEADER, INSHEADER, CHGHEADER).
    /// </summary>
    public static bool IsResent(string name) => Resent.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether Sendmail's smtp and relay mailers leave the header out of what they deliver: Full-Name, whose default is
    /// conditional on a mailer flag (x) they lack, is dropped whether the client or a milter wrote it.
    /// </summary>
    public static bool IsNeverRelayed(string name) => name.Equals("Full-Name", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the name is one of <see cref="Defaults"/>.</summary>
    public static bool IsDefault(string name) => Defaults.Contains(name, StringComparer.OrdinalIgnoreCase);
}
