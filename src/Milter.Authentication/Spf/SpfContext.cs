using System.Net;

namespace Milter.Authentication;

/// <summary>What one check_host() call knows (RFC 7208 4.1): the client, the sender, the domain being checked.</summary>
internal sealed record SpfContext(IPAddress Address, string Sender, string LocalPart, string SenderDomain, string Domain, string Helo,
    string ReceivingHost, DateTimeOffset Now, Func<ValueTask<string>> ValidatedNameAsync);
