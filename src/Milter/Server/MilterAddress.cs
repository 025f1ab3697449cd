using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.Server;

/// <summary>
/// A listen address in the syntax MTA administrators already write for milters:
/// <c>inet:PORT@HOST</c>, <c>inet6:PORT@HOST</c>, <c>unix:/path</c> or <c>local:/path</c>.
/// The host is optional (all interfaces) and may be a name; port 0 picks a free port.
/// </summary>
public sealed class MilterAddress
{
    private MilterAddress(string text, EndPoint endPoint)
    {
        Text = text;
        EndPoint = endPoint;
    }

    /// <summary>The address in milter syntax.</summary>
    public string Text { get; }

    /// <summary>The socket end point to bind.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>The socket path, for Unix-domain addresses.</summary>
    public string? UnixPath => EndPoint is UnixDomainSocketEndPoint ? Text[(Text.IndexOf(':', StringComparison.Ordinal) + 1)..] : null;

    /// <summary>Parses a milter address.</summary>
    /// <exception cref="MilterAddressException">The text is not a milter address; the message shows the accepted forms.</exception>
    public static MilterAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon < 0 ? text : text[..colon];
        var rest = colon < 0 ? string.Empty : text[(colon + 1)..];
        switch (scheme.ToLowerInvariant())
        {
            case "unix":
            case "local":
                if (rest.Length == 0)
                    throw Invalid(text, "the socket path is missing");
                try
                {
                    return new MilterAddress($"unix:{rest}", new UnixDomainSocketEndPoint(rest));
                }
                catch (ArgumentOutOfRangeException)
                {
                    // sockaddr_un has room for 108 bytes on Linux (104 on BSD and macOS), the terminating NUL included.
                    throw Invalid(text, $"the socket path is {Encoding.UTF8.GetByteCount(rest)} bytes, longer than a unix socket's address can hold (107 on Linux)");
                }
            case "inet":
                return ParseInet(text, rest, AddressFamily.InterNetwork);
            case "inet6":
                return ParseInet(text, rest, AddressFamily.InterNetworkV6);
            default:
                throw Invalid(text, $"unknown scheme \"{scheme}\"");
        }
    }

    /// <summary>The address of a bound socket, in milter syntax (with the real port when 0 was asked for).</summary>
    public static MilterAddress FromEndPoint(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return endPoint switch
        {
            IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => new MilterAddress($"inet6:{ip.Port}@{ip.Address}", ip),
            IPEndPoint ip => new MilterAddress($"inet:{ip.Port}@{ip.Address}", ip),
            UnixDomainSocketEndPoint unix => new MilterAddress($"unix:{unix}", unix),
            _ => throw new ArgumentException($"Unsupported end point {endPoint}.", nameof(endPoint)),
        };
    }

    /// <summary>The address in milter syntax.</summary>
    public override string ToString() => Text;

    private static MilterAddress ParseInet(string text, string rest, AddressFamily family)
    {
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        var portText = at < 0 ? rest : rest[..at];
        var host = at < 0 ? string.Empty : rest[(at + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw Invalid(text, $"\"{portText}\" is not a port number{PostfixSpelling.Hint(portText)}");
        }

        IPAddress address;
        if (host.Length == 0)
        {
            address = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        }
        else if (!IPAddress.TryParse(host.Trim('[', ']'), out address!))
        {
            address = Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == family)
                ?? throw Invalid(text, $"host \"{host}\" has no {(family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address");
        }

        if (address.AddressFamily != family)
            throw Invalid(text, $"{address} is not an {(family == AddressFamily.InterNetworkV6 ? "IPv6 (use inet6:)" : "IPv4 (use inet6: for IPv6)")} address");
        var endPoint = new IPEndPoint(address, port);
        return FromEndPoint(endPoint);
    }

    private static MilterAddressException Invalid(string text, string problem) => new(text, problem);
}
