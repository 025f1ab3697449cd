using System.Net;
using Milter.Protocol;

namespace Milter;

/// <summary>Who connected to the MTA, as the CONNECT command told it.</summary>
/// <param name="HostName">The client's host name, or <c>[192.0.2.1]</c> when its reverse lookup failed.</param>
/// <param name="Family">The kind of address.</param>
/// <param name="Port">The client's port; 0 for Unix sockets and unknown families.</param>
/// <param name="Address">The client's address as text (IPv6 without Sendmail's <c>IPv6:</c> prefix), the socket path for Unix sockets, or empty.</param>
public sealed record ConnectionInfo(string HostName, ConnectionFamily Family, ushort Port, string Address)
{
    /// <summary>The client's IP address, for IPv4 and IPv6 clients.</summary>
    public IPAddress? IPAddress { get; } =
        Family is ConnectionFamily.IPv4 or ConnectionFamily.IPv6 && IPAddress.TryParse(Address, out var ip) ? ip : null;

    internal static ConnectionInfo From(in ConnectCommand command) =>
        new(command.GetHostName(), command.Family, command.Port, command.GetAddress());
}
