namespace Milter.Authentication;

/// <summary>The outcome of an ARC chain (RFC 8617 5.2).</summary>
/// <param name="Result">none (no ARC fields), pass, fail (a broken or failed chain); temperror when a key could not be fetched now.</param>
/// <param name="Instances">How many ARC sets the message carries.</param>
/// <param name="Reason">Why it did not pass, or null.</param>
public sealed record ArcResult(AuthResult Result, int Instances, string? Reason);
