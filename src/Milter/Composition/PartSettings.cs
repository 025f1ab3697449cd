using System.Net;

namespace Milter;

/// <summary>A part's options checked and compiled: what each message reads, replaced whole when the options are reloaded.</summary>
internal sealed class PartSettings
{
    private readonly IPNetwork[] _networks;
    private readonly string[] _domains;

    public PartSettings(MilterPartOptions options)
    {
        Options = options;
        _networks = [.. options.When.ClientNetworks.Select(ParseNetwork)];
        _domains = [.. options.When.RecipientDomains.Select(d => d.Trim().TrimEnd('.').ToLowerInvariant())];
        if (options.DryRunHeader is { } header)
            Protocol.MilterResponseWriter.ValidateHeaderName(header);
    }

    public MilterPartOptions Options { get; }

    public bool DryRun => Options.DryRun;

    public bool FiltersNetworks => _networks.Length > 0;

    public bool FiltersRecipients => _domains.Length > 0;

    /// <summary>The steps these conditions need the MTA to send, whether or not a part handles them.</summary>
    public MilterSteps NeededSteps =>
        (FiltersNetworks ? MilterSteps.Connect : 0) | (Options.When.AuthenticatedOnly || Options.When.Predicate is not null ? MilterSteps.Mail : 0)
        | (FiltersRecipients ? MilterSteps.Rcpt : 0);

    /// <summary>Whether the client is inside the networks (true when there are none).</summary>
    public bool ClientMatches(MilterContext context)
    {
        if (!FiltersNetworks)
            return true;
        var address = context.Connection?.IPAddress;
        if (address is null && IPAddress.TryParse(context.Macros["{client_addr}"], out var fromMacro))
            address = fromMacro;
        if (address is null)
            return false;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        foreach (var network in _networks)
        {
            if (network.Contains(address))
                return true;
        }

        return false;
    }

    /// <summary>The conditions known at the start of a message: client, authentication, predicate.</summary>
    public bool MessageMatches(MilterContext context) =>
        ClientMatches(context)
        && (!Options.When.AuthenticatedOnly || !string.IsNullOrEmpty(context.Macros["{auth_authen}"]))
        && (Options.When.Predicate is not { } predicate || predicate(context));

    /// <summary>Whether a recipient (with or without angle brackets) is in the domains (true when there are none).</summary>
    public bool RecipientMatches(string recipient)
    {
        if (!FiltersRecipients)
            return true;
        var at = recipient.LastIndexOf('@');
        if (at < 0)
            return false;
        var domain = recipient.AsSpan(at + 1).TrimEnd('>').TrimEnd('.');
        foreach (var wanted in _domains)
        {
            if (wanted.StartsWith('.')
                ? domain.EndsWith(wanted, StringComparison.OrdinalIgnoreCase) || domain.Equals(wanted.AsSpan(1), StringComparison.OrdinalIgnoreCase)
                : domain.Equals(wanted, StringComparison.OrdinalIgnoreCase))
                return true;
        }

        return false;
    }

    private static IPNetwork ParseNetwork(string text)
    {
        var trimmed = text.Trim();
        if (IPNetwork.TryParse(trimmed, out var network))
            return network;
        if (IPAddress.TryParse(trimmed, out var address))
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        throw new ArgumentException($"'{text}' is not an address or a network in CIDR notation (192.0.2.0/24, 2001:db8::/32).", nameof(MilterPartConditions.ClientNetworks));
    }
}
