namespace Milter.Authentication;

/// <summary>What <see cref="MessageAuthenticator"/> checks, and within which limits.</summary>
public sealed class MessageAuthenticatorOptions
{
    /// <summary>The longest one message may spend on DNS (20 s), well below the MTA's end-of-message timeouts;
    /// what is not answered by then is temperror.</summary>
    public TimeSpan DnsBudget { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>DKIM limits.</summary>
    public DkimVerifierOptions Dkim { get; set; } = new();

    /// <summary>SPF limits; null to skip SPF.</summary>
    public SpfOptions? Spf { get; set; } = new();

    /// <summary>Whether the HELO identity is checked with SPF too (true).</summary>
    public bool CheckHelo { get; set; } = true;

    /// <summary>Whether the ARC chain is validated (true).</summary>
    public bool CheckArc { get; set; } = true;

    /// <summary>
    /// ARC sealers (their ARC-Seal d= domains) trusted to say DMARC passed before a message was changed: a DMARC
    /// failure is overridden when the ARC chain passes and one of them recorded dmarc=pass (RFC 8617 7.2.1). Empty: no
    /// override.
    /// </summary>
    public IList<string> TrustedArcSealers { get; } = [];

    /// <summary>The public suffix list for DMARC; null to skip DMARC.</summary>
    public PublicSuffixList? PublicSuffixes { get; set; }
}
