namespace Milter.Authentication;

/// <summary>The SPF result for one identity (RFC 7208 2.6).</summary>
/// <param name="Result">none, neutral, pass, fail, softfail, temperror or permerror.</param>
/// <param name="Identity">Which identity was checked: <c>mailfrom</c> or <c>helo</c>.</param>
/// <param name="Sender">The identity's value: the MAIL FROM address (postmaster@HELO for a null sender) or the HELO name.</param>
/// <param name="Domain">The domain whose policy was checked.</param>
/// <param name="Reason">Why: the mechanism that matched or the error, for logs and comments.</param>
/// <param name="Explanation">For fail, the domain's explanation (exp=), when it gave one.</param>
public sealed record SpfCheckResult(AuthResult Result, string Identity, string Sender, string Domain, string? Reason, string? Explanation = null);
