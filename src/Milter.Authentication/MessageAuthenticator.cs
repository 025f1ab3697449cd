using MimeKit;

namespace Milter.Authentication;

/// <summary>
/// Runs the checks on one message in RFC order (DKIM, ARC, SPF, then DMARC on their results) within one DNS budget, and
/// returns the report. Thread-safe: one instance serves every connection.
/// </summary>
public sealed class MessageAuthenticator
{
    private readonly IDnsResolver _dns;
    private readonly MessageAuthenticatorOptions _options;
    private readonly DkimVerification _dkim;
    private readonly ArcVerification _arc;
    private readonly SpfChecker? _spf;
    private readonly DmarcEvaluation? _dmarc;
    private readonly HashSet<string> _trustedSealers;

    /// <summary>Checks with <paramref name="dns"/> (one <see cref="DnsResolver"/> for the process, so its cache is shared).</summary>
    public MessageAuthenticator(IDnsResolver dns, MessageAuthenticatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        _dns = dns;
        _options = options ?? new MessageAuthenticatorOptions();
        _dkim = new DkimVerification(_options.Dkim);
        _arc = new ArcVerification(_options.Dkim.MaxKeyRecordLength);
        _spf = _options.Spf is { } spf ? new SpfChecker(spf) : null;
        _dmarc = _options.PublicSuffixes is { } suffixes ? new DmarcEvaluation(suffixes) : null;
        _trustedSealers = _options.TrustedArcSealers.Select(DomainName.ToAscii).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Checks <paramref name="message"/> received in <paramref name="envelope"/>.</summary>
    public async Task<AuthenticationReport> VerifyAsync(MimeMessage message, SmtpEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        using var dns = new DnsBudget(_dns, _options.DnsBudget);
        var dkim = await _dkim.VerifyAsync(message, dns, cancellationToken).ConfigureAwait(false);
        var arc = _options.CheckArc ? await _arc.VerifyAsync(message, dns, cancellationToken).ConfigureAwait(false) : null;
        SpfCheckResult? mailFrom = null, helo = null;
        if (_spf is not null && envelope.ClientAddress is { } client)
        {
            if (envelope.MailFrom is not null)
                mailFrom = await _spf.CheckMailFromAsync(client, envelope.MailFrom, envelope.Helo, dns, cancellationToken).ConfigureAwait(false);
            if (_options.CheckHelo && envelope.Helo is not null)
                helo = await _spf.CheckHeloAsync(client, envelope.Helo, dns, cancellationToken).ConfigureAwait(false);
        }

        var dmarc = _dmarc is null ? null : await _dmarc.EvaluateAsync(message, dkim, mailFrom, dns, cancellationToken).ConfigureAwait(false);
        if (dmarc is { Result: AuthResult.Fail } && arc is { Result: AuthResult.Pass } && _trustedSealers.Count > 0
            && ArcOverride.TrustedSealer(message, _trustedSealers) is { } sealer)
            dmarc = dmarc with { Disposition = DmarcPolicy.None, ArcOverride = sealer };
        return new AuthenticationReport(dkim, arc, mailFrom, helo, dmarc);
    }
}
