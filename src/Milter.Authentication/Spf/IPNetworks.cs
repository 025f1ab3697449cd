using System.Net;

namespace Milter.Authentication;

/// <summary>Address comparisons for SPF: prefixes, and IPv4-mapped IPv6 taken as the IPv4 address it is.</summary>
internal static class IPNetworks
{
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Whether the first <paramref name="prefix"/> bits of both addresses (of the same family) are equal.</summary>
    public static bool Contains(IPAddress network, int prefix, IPAddress address)
    {
        if (network.AddressFamily != address.AddressFamily)
            return false;
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        network.TryWriteBytes(a, out var length);
        address.TryWriteBytes(b, out _);
        var whole = Math.Min(prefix / 8, length);
        if (!a[..whole].SequenceEqual(b[..whole]))
            return false;
        var rest = prefix % 8;
        if (rest == 0 || whole >= length)
            return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (a[whole] & mask) == (b[whole] & mask);
    }
}
