using MimeKit.Cryptography;

namespace Milter.Authentication;

/// <summary>Everything checked on one message, ready to be written as Authentication-Results (RFC 8601).</summary>
/// <param name="Dkim">Each DKIM-Signature's result, top to bottom; empty when there is none (dkim=none).</param>
/// <param name="Arc">The ARC chain's result, or null when not checked.</param>
/// <param name="MailFrom">SPF for MAIL FROM, or null when not checked.</param>
/// <param name="Helo">SPF for HELO, or null when not checked.</param>
/// <param name="Dmarc">DMARC, or null when not checked.</param>
public sealed record AuthenticationReport(IReadOnlyList<DkimSignatureResult> Dkim, ArcResult? Arc, SpfCheckResult? MailFrom, SpfCheckResult? Helo, DmarcResult? Dmarc)
{
    /// <summary>
    /// The report as MimeKit's <see cref="AuthenticationResults"/> under <paramref name="authservId"/>, a new object each
    /// call. Every value that came from outside (DNS text, header fields, envelope addresses) is reduced to what a
    /// header may carry (no control characters, ASCII unless <paramref name="utf8"/>, 200 characters at most), so any
    /// RFC 8601 parser reads the field; pass <paramref name="utf8"/> only for a message sent with SMTPUTF8.
    /// </summary>
    public AuthenticationResults ToAuthenticationResults(string authservId, bool utf8 = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authservId);
        var results = new AuthenticationResults(authservId);
        var writer = new Writer(utf8);
        if (Dkim.Count == 0)
            results.Results.Add(new AuthenticationMethodResult("dkim", "none"));
        foreach (var dkim in Dkim)
            results.Results.Add(writer.Describe(dkim));
        if (MailFrom is { } mailFrom)
            results.Results.Add(writer.Describe(mailFrom, "mailfrom"));
        if (Helo is { } helo)
            results.Results.Add(writer.Describe(helo, "helo"));
        if (Dmarc is { } dmarc)
            results.Results.Add(writer.Describe(dmarc));
        if (Arc is { } arc)
            results.Results.Add(writer.Method("arc", arc.Result, arc.Reason));
        return results;
    }

    /// <summary>The Authentication-Results value (without the field name) under <paramref name="authservId"/>; see
    /// <see cref="ToAuthenticationResults"/> for <paramref name="utf8"/>.</summary>
    public string ToHeaderValue(string authservId, bool utf8 = false) => ToAuthenticationResults(authservId, utf8).ToString();

    private sealed class Writer(bool utf8)
    {
        public AuthenticationMethodResult Describe(DkimSignatureResult dkim)
        {
            var method = Method("dkim", dkim.Result, dkim.Reason);
            Add(method, "header", "d", dkim.Domain);
            Add(method, "header", "i", dkim.Identity);
            Add(method, "header", "s", dkim.Selector);
            Add(method, "header", "a", dkim.Algorithm);
            // RFC 6008: the first eight characters of the signature tell two signatures of one domain apart.
            Add(method, "header", "b", dkim.Signature is { Length: > 0 } b ? b[..Math.Min(8, b.Length)] : null);
            return method;
        }

        public AuthenticationMethodResult Describe(SpfCheckResult spf, string identity)
        {
            var method = Method("spf", spf.Result, spf.Result == AuthResult.Pass ? null : spf.Reason);
            Add(method, "smtp", identity, spf.Sender);
            return method;
        }

        public AuthenticationMethodResult Describe(DmarcResult dmarc)
        {
            var method = Method("dmarc", dmarc.Result, dmarc.Result == AuthResult.Pass ? null : dmarc.Reason);
            if (dmarc.PolicyDomain is not null)
                method.ResultComment = $"p={dmarc.RequestedPolicy.ToString().ToLowerInvariant()} dis={dmarc.Disposition.ToString().ToLowerInvariant()}";
            Add(method, "policy", "arc-override", dmarc.ArcOverride);
            Add(method, "header", "from", dmarc.FromDomain);
            return method;
        }

        public AuthenticationMethodResult Method(string name, AuthResult result, string? reason) =>
            new(name, result.ToKeyword()) { Reason = ResultText.Reduce(reason, utf8) };

        private void Add(AuthenticationMethodResult method, string type, string property, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                method.Properties.Add(new AuthenticationMethodProperty(type, property, ResultText.ReduceProperty(value, utf8)));
        }
    }
}
