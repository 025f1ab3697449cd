namespace Milter.Protocol;

/// <summary>The kind of address in a CONNECT command (SMFIA_* in mfdef.h).</summary>
public enum ConnectionFamily : byte
{
    /// <summary>Unknown, e.g. mail submitted locally; no port or address follows (SMFIA_UNKNOWN, 'U').</summary>
    Unknown = (byte)'U',

    /// <summary>A Unix-domain socket; the address is the socket path (SMFIA_UNIX, 'L').</summary>
    Unix = (byte)'L',

    /// <summary>IPv4 (SMFIA_INET, '4').</summary>
    IPv4 = (byte)'4',

    /// <summary>IPv6 (SMFIA_INET6, '6').</summary>
    IPv6 = (byte)'6',
}
