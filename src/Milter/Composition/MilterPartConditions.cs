namespace Milter;

/// <summary>
/// When a pipeline part applies. All conditions set must hold; none set means always. They are evaluated at the start of each
/// message (MAIL), except the client networks, also checked at CONNECT (a client outside them is not shown to the part at all),
/// and the recipient domains, checked at each RCPT and settled once the recipients are known (DATA, or the first later step).
/// A part that stops applying in the middle of a message gets its abort then; a part that never applied to a message sees
/// nothing of it. Every part gets its close.
/// </summary>
public sealed class MilterPartConditions
{
    /// <summary>
    /// Client addresses or networks in CIDR notation (<c>192.0.2.0/24</c>, <c>2001:db8::/32</c>, <c>127.0.0.1</c>): the part
    /// applies only to clients inside one. A client whose address is unknown (a Unix socket, no CONNECT) is outside.
    /// </summary>
    public IList<string> ClientNetworks { get; set; } = [];

    /// <summary>The part applies only to messages whose sender authenticated (the MTA sent a non-empty <c>{auth_authen}</c> at MAIL).</summary>
    public bool AuthenticatedOnly { get; set; }

    /// <summary>
    /// Recipient domains (<c>example.org</c>; <c>.example.org</c> for its subdomains too): the part sees only the RCPTs of
    /// recipients in one, and applies to a message only when one of them was accepted.
    /// </summary>
    public IList<string> RecipientDomains { get; set; } = [];

    /// <summary>A test in C# on the connection and sender, evaluated at the start of each message.</summary>
    public Func<MilterContext, bool>? Predicate { get; set; }
}
