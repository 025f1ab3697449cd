namespace Milter.Authentication;

/// <summary>
/// A result as Authentication-Results (RFC 8601 2.7) writes it. DKIM uses none, pass, fail, policy, neutral,
/// temperror, permerror; SPF none, neutral, pass, fail, softfail, temperror, permerror; DMARC none, pass, fail,
/// temperror, permerror; ARC none, pass, fail.
/// </summary>
public enum AuthResult
{
    /// <summary>Nothing to check (no signature, no record): <c>none</c>.</summary>
    None,

    /// <summary><c>pass</c>.</summary>
    Pass,

    /// <summary><c>fail</c>.</summary>
    Fail,

    /// <summary>SPF's weak fail (<c>~all</c>): <c>softfail</c>.</summary>
    SoftFail,

    /// <summary>SPF <c>?</c>, or a DKIM signature with syntax errors (RFC 8601 2.7.1): <c>neutral</c>.</summary>
    Neutral,

    /// <summary>A DKIM signature that verified but was refused by local policy: <c>policy</c>.</summary>
    Policy,

    /// <summary>A temporary failure, usually DNS; a later try may succeed: <c>temperror</c>.</summary>
    TempError,

    /// <summary>A permanent error: a malformed signature or record, a missing key, a limit passed: <c>permerror</c>.</summary>
    PermError,
}

/// <summary>The words of <see cref="AuthResult"/>.</summary>
public static class AuthResultExtensions
{
    /// <summary>The result as Authentication-Results writes it (<c>pass</c>, <c>temperror</c>…).</summary>
    public static string ToKeyword(this AuthResult result) => result switch
    {
        AuthResult.None => "none",
        AuthResult.Pass => "pass",
        AuthResult.Fail => "fail",
        AuthResult.SoftFail => "softfail",
        AuthResult.Neutral => "neutral",
        AuthResult.Policy => "policy",
        AuthResult.TempError => "temperror",
        AuthResult.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };
}
