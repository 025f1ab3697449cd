using System.Net;

namespace Milter.Authentication;

/// <summary>
/// The DNS questions mail authentication asks. Implementations never throw for a DNS failure: they answer
/// <see cref="DnsResultCode.TemporaryFailure"/> with the reason, so each method can give its RFC result.
/// <see cref="DnsResolver"/> asks real servers; a test can answer from memory.
/// </summary>
public interface IDnsResolver
{
    /// <summary>The TXT records of <paramref name="name"/>, each record's strings joined (RFC 7208 3.3, RFC 6376 3.6.2.2).</summary>
    ValueTask<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The A (or, with <paramref name="ipv6"/>, AAAA) records of <paramref name="name"/>.</summary>
    ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken = default);

    /// <summary>The MX host names of <paramref name="name"/>, by preference.</summary>
    ValueTask<DnsAnswer<string>> MxAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The PTR names of <paramref name="address"/>.</summary>
    ValueTask<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken = default);
}
