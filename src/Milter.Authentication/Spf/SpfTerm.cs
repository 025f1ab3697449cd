using System.Net;

namespace Milter.Authentication;

/// <summary>The mechanisms and modifiers of RFC 7208 5 and 6.</summary>
internal enum SpfTermKind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists, Redirect, Explanation, UnknownModifier }

/// <summary>One term of an SPF record, parsed.</summary>
/// <param name="Kind">The mechanism or modifier.</param>
/// <param name="Qualifier">'+', '-', '~' or '?' for mechanisms.</param>
/// <param name="DomainSpec">The domain-spec (macros unexpanded), or null for the current domain.</param>
/// <param name="Network">For ip4/ip6, the network.</param>
/// <param name="Prefix4">The IPv4 prefix length (32 when none given).</param>
/// <param name="Prefix6">The IPv6 prefix length (128 when none given).</param>
internal sealed record SpfTerm(SpfTermKind Kind, char Qualifier, string? DomainSpec, IPAddress? Network, int Prefix4, int Prefix6)
{
    /// <summary>The term as the record wrote it, for reasons and logs.</summary>
    public string Text { get; init; } = "";

    /// <summary>Whether evaluating it asks DNS (counted against the limit of 10).</summary>
    public bool QueriesDns => Kind is SpfTermKind.Include or SpfTermKind.A or SpfTermKind.Mx or SpfTermKind.Ptr or SpfTermKind.Exists or SpfTermKind.Redirect;

    /// <summary>The result a match gives.</summary>
    public AuthResult MatchResult => Qualifier switch
    {
        '-' => AuthResult.Fail,
        '~' => AuthResult.SoftFail,
        '?' => AuthResult.Neutral,
        _ => AuthResult.Pass,
    };
}
