namespace Milter.Authentication;

/// <summary>The outcome of one DKIM-Signature (RFC 6376 6), with what Authentication-Results reports of it.</summary>
/// <param name="Result">pass; fail (the signature does not verify); neutral (syntax errors, or not checked: too many signatures);
/// temperror (DNS); permerror (no key, revoked key, an algorithm refused, From not signed, expired).</param>
/// <param name="Domain">The signing domain (d=), or null when the signature has none.</param>
/// <param name="Selector">The selector (s=), or null.</param>
/// <param name="Algorithm">The algorithm (a=), or null.</param>
/// <param name="Identity">The agent or user identifier (i=), or null.</param>
/// <param name="Signature">The signature (b=), or null; its start is <c>header.b</c> (RFC 6008).</param>
/// <param name="Reason">Why it did not pass, or null.</param>
public sealed record DkimSignatureResult(AuthResult Result, string? Domain, string? Selector, string? Algorithm, string? Identity, string? Signature, string? Reason);
