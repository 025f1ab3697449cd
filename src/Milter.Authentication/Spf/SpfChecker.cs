using System.Net;

namespace Milter.Authentication;

/// <summary>
/// SPF (RFC 7208): checks that a client may send for the MAIL FROM or HELO identity. Every mechanism, modifier and
/// macro of the RFC, with its limits (10 DNS-querying terms, 2 void lookups, 10 MX and PTR names); include loops end
/// at the lookup limit. Errors are results (temperror, permerror), never exceptions.
/// </summary>
public sealed class SpfChecker
{
    private readonly SpfOptions _options;

    /// <summary>Creates a checker with <paramref name="options"/> (the RFC's limits when null).</summary>
    public SpfChecker(SpfOptions? options = null) => _options = options ?? new SpfOptions();

    /// <summary>
    /// Checks the MAIL FROM identity (RFC 7208 2.4): <paramref name="mailFrom"/> with or without angle brackets; for the
    /// null sender, postmaster@<paramref name="helo"/>.
    /// </summary>
    public Task<SpfCheckResult> CheckMailFromAsync(IPAddress client, string? mailFrom, string? helo, IDnsResolver dns, CancellationToken cancellationToken = default)
    {
        var address = (mailFrom ?? "").Trim().TrimStart('<').TrimEnd('>');
        if (address.Length == 0)
        {
            return string.IsNullOrEmpty(helo)
                ? Task.FromResult(new SpfCheckResult(AuthResult.None, "mailfrom", "", "", "null sender and no HELO name"))
                : CheckAsync("mailfrom", client, $"postmaster@{helo}", helo, dns, cancellationToken);
        }

        return CheckAsync("mailfrom", client, address, helo ?? "", dns, cancellationToken);
    }

    /// <summary>Checks the HELO identity (RFC 7208 2.3); none for an address literal or no name.</summary>
    public Task<SpfCheckResult> CheckHeloAsync(IPAddress client, string? helo, IDnsResolver dns, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(helo) || helo.StartsWith('[') || IPAddress.TryParse(helo, out _))
            return Task.FromResult(new SpfCheckResult(AuthResult.None, "helo", helo ?? "", "", "HELO is not a domain name"));
        return CheckAsync("helo", client, $"postmaster@{helo}", helo, dns, cancellationToken);
    }

    private async Task<SpfCheckResult> CheckAsync(string identity, IPAddress client, string sender, string helo, IDnsResolver dns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(dns);
        var at = sender.LastIndexOf('@');
        var local = at > 0 ? sender[..at] : "postmaster";
        var written = sender[(at + 1)..];
        // The domain in A-labels from here on: %{d}, %{o}, %{h} and every question are ASCII (an SMTPUTF8 sender may write U-labels).
        var domain = DomainName.ToAscii(written);
        var asciiHelo = DomainName.ToAscii(helo) ?? helo;
        var reported = identity == "helo" ? asciiHelo : domain is null ? sender : $"{local}@{domain}";
        if (domain is null || !domain.Contains('.', StringComparison.Ordinal))
            return new SpfCheckResult(AuthResult.None, identity, reported, domain ?? written, "not a fully qualified domain name");
        var evaluation = new SpfEvaluation(_options, dns, IPNetworks.Normalize(client), $"{local}@{domain}", local, domain, asciiHelo, cancellationToken);
        try
        {
            var (result, reason, explanation) = await evaluation.CheckHostAsync(domain).ConfigureAwait(false);
            return new SpfCheckResult(result, identity, reported, domain, reason, explanation);
        }
        catch (SpfException e)
        {
            return new SpfCheckResult(e.Result, identity, reported, domain, e.Message);
        }
    }
}
