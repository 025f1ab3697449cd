namespace Milter.Authentication;

/// <summary>The DMARC outcome for a message (RFC 7489 6.6), and what its domain asks for it.</summary>
/// <param name="Result">pass, fail, none (no policy), temperror or permerror.</param>
/// <param name="FromDomain">The RFC5322.From domain (<c>header.from</c>), or null when the message has no single one.</param>
/// <param name="PolicyDomain">The domain whose record applied (the From domain or its organizational domain), or null.</param>
/// <param name="RequestedPolicy">The policy the record asks for this domain: p=, or sp= for a subdomain.</param>
/// <param name="Disposition">What to do with the message: <see cref="DmarcPolicy.None"/> unless it failed, and only for the
/// pct= share of failing messages the policy covers.</param>
/// <param name="Reason">Why, for logs and comments.</param>
public sealed record DmarcResult(AuthResult Result, string? FromDomain, string? PolicyDomain, DmarcPolicy RequestedPolicy, DmarcPolicy Disposition, string? Reason)
{
    /// <summary>
    /// The trusted ARC sealer (<see cref="MessageAuthenticatorOptions.TrustedArcSealers"/>) whose passing chain said
    /// DMARC passed before the message was changed, when its word overrode this failure (RFC 8617 7.2.1; the
    /// disposition is then none; Authentication-Results says <c>policy.arc-override=</c>); null otherwise.
    /// </summary>
    public string? ArcOverride { get; init; }

    /// <summary>The record that applied (at <see cref="PolicyDomain"/>), or null when none was found.</summary>
    public DmarcRecord? Record { get; init; }

    /// <summary>Whether a passing DKIM signature was aligned with the From domain.</summary>
    public bool DkimAligned { get; init; }

    /// <summary>Whether a passing SPF MAIL FROM result was aligned with the From domain.</summary>
    public bool SpfAligned { get; init; }
}
