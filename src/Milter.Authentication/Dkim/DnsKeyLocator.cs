using System.Collections.Concurrent;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Milter.Authentication;

/// <summary>
/// Finds DKIM and ARC public keys in DNS (selector._domainkey.domain TXT, RFC 6376 3.6.2) through an
/// <see cref="IDnsResolver"/>; a key that cannot be had is a <see cref="DkimKeyException"/> with its RFC result.
/// </summary>
internal sealed class DnsKeyLocator(IDnsResolver dns, int maxRecordLength) : DkimPublicKeyLocatorBase
{
    // Reading an RSA key is the dearest part of a verification: BouncyCastle tests that the modulus is not prime and has
    // no small factors, 12 ms of CPU for 2,048 bits against 0.1 ms for the signature itself. Keys are kept by the
    // exact text of their record, so a changed record is read anew, and DNS (with its TTLs) still decides which record
    // applies. At most MaxParsedKeys, shared by every verifier in the process; the whole set is dropped when full.
    private const int MaxParsedKeys = 1024;
    private static readonly ConcurrentDictionary<string, AsymmetricKeyParameter> ParsedKeys = new(StringComparer.Ordinal);

    /// <summary>The last temporary failure, for callers (ARC) that only learn "fail" from MimeKit.</summary>
    public string? TemporaryFailure { get; private set; }

    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        if (!methods.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
            throw new DkimKeyException(AuthResult.PermError, $"unsupported query method {methods}");
        var name = DomainName.ForLookup($"{selector}._domainkey.{domain}");
        var answer = await dns.TxtAsync(name, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            TemporaryFailure = $"key lookup failed: {answer.Error}";
            throw new DkimKeyException(AuthResult.TempError, TemporaryFailure);
        }
        if (answer.Records.Count == 0)
            throw new DkimKeyException(AuthResult.PermError, $"no key for signature ({name})");
        var record = answer.Records[0];
        if (record.Length > maxRecordLength)
            throw new DkimKeyException(AuthResult.PermError, $"key record of {record.Length} characters, over {maxRecordLength}");
        var tags = DkimTags.Parse(record) ?? throw new DkimKeyException(AuthResult.PermError, "malformed key record");
        if (tags.TryGetValue("v", out var version) && version != "DKIM1")
            throw new DkimKeyException(AuthResult.PermError, $"key record version {version}");
        if (!tags.TryGetValue("p", out var key))
            throw new DkimKeyException(AuthResult.PermError, "key record without p=");
        if (key.Length == 0)
            throw new DkimKeyException(AuthResult.PermError, "key revoked");
        if (tags.TryGetValue("h", out var hashes) && !hashes.Split(':').Contains("sha256", StringComparer.OrdinalIgnoreCase))
            throw new DkimKeyException(AuthResult.PermError, $"key restricted to hash {hashes}");
        if (ParsedKeys.TryGetValue(record, out var parsed))
            return parsed;
        try
        {
            parsed = GetPublicKey(record);
            if (ParsedKeys.Count >= MaxParsedKeys)
                ParsedKeys.Clear();
            ParsedKeys[record] = parsed;
            return parsed;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidCastException or IOException or Org.BouncyCastle.Security.SecurityUtilityException)
        {
            throw new DkimKeyException(AuthResult.PermError, "key record does not hold a usable key");
        }
    }
}
