using System.Net;

namespace Greylist;

/// <summary>The greylisting policy, from the "Greylist" configuration section.</summary>
public sealed class GreylistSettings
{
    /// <summary>How long after its first attempt a triplet is let through.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a first attempt is remembered while waiting for the retry.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a triplet that passed is let through at once.</summary>
    public TimeSpan PassedLifetime { get; set; } = TimeSpan.FromDays(35);

    /// <summary>Clients in the same IPv4 network of this prefix length count as one (large senders retry from another address of a pool).</summary>
    public int IPv4PrefixLength { get; set; } = 24;

    /// <summary>The same for IPv6.</summary>
    public int IPv6PrefixLength { get; set; } = 64;

    /// <summary>Networks (CIDR) never greylisted; authenticated clients are never greylisted either.</summary>
    public List<string> WhitelistedNetworks { get; } = [];

    /// <summary>Whether the client is in one of the whitelisted networks.</summary>
    public bool IsWhitelisted(IPAddress client) => WhitelistedNetworks.Any(n => IPNetwork.Parse(n).Contains(client));

    /// <summary>The client's network as the triplet names it: 192.0.2.0/24 for 192.0.2.77.</summary>
    public IPNetwork NetworkOf(IPAddress client)
    {
        var length = client.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? IPv4PrefixLength : IPv6PrefixLength;
        var bytes = client.GetAddressBytes();
        for (var bit = length; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(bytes), length);
    }
}
