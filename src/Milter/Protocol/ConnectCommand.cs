using System.Net;

namespace Milter.Protocol;

/// <summary>
/// The CONNECT command: the client's host name, the address family, and for IPv4, IPv6 and Unix sockets
/// the port and address. Fields are slices of the payload; nothing is copied.
/// </summary>
public readonly struct ConnectCommand
{
    private static ReadOnlySpan<byte> IPv6Prefix => "IPv6:"u8;

    private ConnectCommand(ReadOnlyMemory<byte> hostName, ConnectionFamily family, ushort port, ReadOnlyMemory<byte> address)
    {
        HostName = hostName;
        Family = family;
        Port = port;
        Address = address;
    }

    /// <summary>The client's host name, or <c>[192.0.2.1]</c> when the reverse lookup failed.</summary>
    public ReadOnlyMemory<byte> HostName { get; }

    /// <summary>The address family.</summary>
    public ConnectionFamily Family { get; }

    /// <summary>The client's port (0 for Unix sockets and unknown families).</summary>
    public ushort Port { get; }

    /// <summary>The client's address, without Sendmail's <c>IPv6:</c> prefix; the socket path for Unix sockets; empty when unknown.</summary>
    public ReadOnlyMemory<byte> Address { get; }

    /// <summary>The host name as a string.</summary>
    public string GetHostName() => WireText.Decode(HostName.Span);

    /// <summary>The address as a string.</summary>
    public string GetAddress() => WireText.Decode(Address.Span);

    /// <summary>The address as an <see cref="IPAddress"/>, for IPv4 and IPv6 clients.</summary>
    public bool TryGetIPAddress(out IPAddress? address)
    {
        address = null;
        return Family is ConnectionFamily.IPv4 or ConnectionFamily.IPv6 && IPAddress.TryParse(Address.Span, out address);
    }

    /// <summary>Parses a CONNECT payload: <c>host\0</c>, the family byte, then for 4, 6 and L a big-endian port and <c>address\0</c>.</summary>
    /// <exception cref="MilterProtocolException">A field is missing or the family byte is unknown.</exception>
    public static ConnectCommand Parse(ReadOnlyMemory<byte> payload)
    {
        var reader = new PayloadReader(payload, "CONNECT");
        var host = reader.ReadCString("host name");
        if (reader.IsAtEnd)
            return new ConnectCommand(host, ConnectionFamily.Unknown, 0, ReadOnlyMemory<byte>.Empty);

        var family = (ConnectionFamily)reader.ReadByte("address family");
        switch (family)
        {
            case ConnectionFamily.Unknown:
                // Nothing follows an unknown family; both MTAs end the payload here.
                return new ConnectCommand(host, family, 0, ReadOnlyMemory<byte>.Empty);
            case ConnectionFamily.IPv4:
            case ConnectionFamily.IPv6:
            case ConnectionFamily.Unix:
                var port = reader.ReadUInt16("port");
                var address = reader.ReadCString("address");
                reader.ExpectEnd();
                if (address.Span.StartsWith(IPv6Prefix))
                    address = address[IPv6Prefix.Length..];
                return new ConnectCommand(host, family, port, address);
            default:
                throw reader.Error($"CONNECT: unknown address family {MilterFrame.Describe((byte)family)}; expected 'U', 'L', '4' or '6'.");
        }
    }
}
