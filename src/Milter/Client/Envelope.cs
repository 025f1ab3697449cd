using Milter.Protocol;

namespace Milter.Client;

/// <summary>The SMTP side of one message: who connected, the HELO name, the sender, the recipients, and the macros per stage.</summary>
/// <param name="Sender">The envelope sender, with or without angle brackets (<c>&lt;&gt;</c> for bounces).</param>
/// <param name="Recipients">The envelope recipients.</param>
public sealed record Envelope(string Sender, IReadOnlyList<string> Recipients)
{
    /// <summary>ESMTP arguments of MAIL FROM (<c>SIZE=1234</c>).</summary>
    public IReadOnlyList<string> SenderArguments { get; init; } = [];

    /// <summary>The client's host name as the MTA resolved it.</summary>
    public string ClientHostName { get; init; } = "localhost";

    /// <summary>The client's address family.</summary>
    public ConnectionFamily ClientFamily { get; init; } = ConnectionFamily.IPv4;

    /// <summary>The client's address.</summary>
    public string ClientAddress { get; init; } = "127.0.0.1";

    /// <summary>The client's port.</summary>
    public ushort ClientPort { get; init; } = 50025;

    /// <summary>The HELO/EHLO name.</summary>
    public string HeloName { get; init; } = "client.example";

    /// <summary>Macros per command byte ('C', 'H', 'M', 'R', 'T', 'N', 'E'), sent before that command.</summary>
    public IReadOnlyDictionary<char, IReadOnlyDictionary<string, string>> Macros { get; init; } = new Dictionary<char, IReadOnlyDictionary<string, string>>();

    /// <summary>The address in angle brackets, as MTAs send it.</summary>
    internal static string Bracketed(string address) => address.StartsWith('<') ? address : $"<{address}>";

    internal IEnumerable<KeyValuePair<string, string>>? MacrosFor(char command) => Macros.TryGetValue(command, out var macros) ? macros : null;
}
