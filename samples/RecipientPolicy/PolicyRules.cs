using System.Net;

namespace RecipientPolicy;

/// <summary>The policy, from the "Policy" configuration section.</summary>
public sealed class PolicyRules
{
    /// <summary>Domains this server receives mail for; anything else is relaying.</summary>
    public List<string> LocalDomains { get; } = [];

    /// <summary>Networks (CIDR) allowed to relay without authenticating.</summary>
    public List<string> TrustedNetworks { get; } = [];

    /// <summary>Recipients refused for good.</summary>
    public List<string> BlockedRecipients { get; } = [];

    /// <summary>Recipients whose mailbox is full: refused for now.</summary>
    public List<string> FullMailboxes { get; } = [];

    /// <summary>Whether the address is in one of the trusted networks.</summary>
    public bool IsTrusted(IPAddress? address) =>
        address is not null && TrustedNetworks.Any(n => IPNetwork.TryParse(n, out var network) && network.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));

    /// <summary>Whether mail for this domain is delivered here.</summary>
    public bool IsLocal(string domain) => LocalDomains.Contains(domain, StringComparer.OrdinalIgnoreCase);
}
