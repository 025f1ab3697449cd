using MimeKit.Cryptography;

namespace Milter.Authentication;

/// <summary>How <see cref="DkimSigning"/> signs.</summary>
public sealed class DkimSigningOptions
{
    /// <summary>
    /// The header fields signed when present (RFC 6376 5.4.1's list, as OpenDKIM signs by default). From is always signed.
    /// </summary>
    public static IReadOnlyList<string> DefaultSignedHeaders { get; } =
    [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
        "In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner",
        "List-Archive", "Message-ID", "Sender", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-ID",
        "Content-Description",
    ];

    /// <summary>Header canonicalization (relaxed: survives re-folding by relays).</summary>
    public DkimCanonicalizationAlgorithm HeaderCanonicalization { get; set; } = DkimCanonicalizationAlgorithm.Relaxed;

    /// <summary>Body canonicalization (simple, as OpenDKIM's default).</summary>
    public DkimCanonicalizationAlgorithm BodyCanonicalization { get; set; } = DkimCanonicalizationAlgorithm.Simple;

    /// <summary>The header fields signed when present; <see cref="DefaultSignedHeaders"/> by default.</summary>
    public IList<string> SignedHeaders { get; } = [.. DefaultSignedHeaders];

    /// <summary>Reads "relaxed/simple", "simple", "relaxed/relaxed" (OpenDKIM's Canonicalization setting).</summary>
    /// <exception cref="FormatException">Not one of relaxed and simple, or more than two parts.</exception>
    public void SetCanonicalization(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length > 2)
            throw new FormatException($"Canonicalization \"{text}\" is not HEADER/BODY (e.g. relaxed/simple).");
        HeaderCanonicalization = ParseOne(parts[0], text);
        BodyCanonicalization = parts.Length == 2 ? ParseOne(parts[1], text) : DkimCanonicalizationAlgorithm.Simple;
    }

    private static DkimCanonicalizationAlgorithm ParseOne(string part, string text) => part.ToLowerInvariant() switch
    {
        "relaxed" => DkimCanonicalizationAlgorithm.Relaxed,
        "simple" => DkimCanonicalizationAlgorithm.Simple,
        _ => throw new FormatException($"Canonicalization \"{text}\": \"{part}\" is neither relaxed nor simple."),
    };
}
