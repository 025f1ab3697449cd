using System.Net;

namespace Milter.Authentication;

/// <summary>Settings of <see cref="DnsResolver"/>.</summary>
public sealed class DnsResolverOptions
{
    /// <summary>
    /// The servers to ask, as <c>ADDRESS</c> or <c>ADDRESS:PORT</c> (<c>[::1]:5353</c> for IPv6 with a port), in order.
    /// Empty: the system's (/etc/resolv.conf).
    /// </summary>
    public IList<string> Servers { get; } = [];

    /// <summary>How long one attempt waits for an answer (2 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many times a question is sent to a server before it counts as a temporary failure (2).</summary>
    public int Attempts { get; set; } = 2;

    /// <summary>Whether answers are kept for their TTL, so the next message finds keys and policies at once (true).</summary>
    public bool UseCache { get; set; } = true;

    /// <summary>How long a failed answer (NXDOMAIN, SERVFAIL) is kept (5 s): long enough to spare a server under a burst.</summary>
    public TimeSpan FailedAnswerCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest any answer is kept, whatever its TTL (1 hour).</summary>
    public TimeSpan MaximumCacheDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Parses <see cref="Servers"/>; port 53 when none is given.</summary>
    internal IReadOnlyList<IPEndPoint> ParseServers()
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var server in Servers)
        {
            if (IPEndPoint.TryParse(server, out var endpoint))
            {
                endpoints.Add(endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint);
                continue;
            }

            throw new FormatException($"The DNS server \"{server}\" is not an address or ADDRESS:PORT (e.g. 127.0.0.1:53, [::1]:5353).");
        }

        return endpoints;
    }
}
