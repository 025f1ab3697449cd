using System.Net;
using Milter.Authentication;

namespace AuthMilter;

/// <summary>What the filter needs, built once from <see cref="AuthSettings"/>: the verifier, the signer and its keys.</summary>
public sealed class AuthPolicy
{
    private readonly List<IPNetwork> _internal;
    private readonly DkimKeyTable _keys;

    /// <summary>
    /// Reads the keys and tables named in <paramref name="settings"/>, relative to <paramref name="baseDirectory"/>;
    /// asks <paramref name="dns"/>, or the Nameservers of the settings when null.
    /// </summary>
    public AuthPolicy(AuthSettings settings, string baseDirectory, IDnsResolver? dns = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Verifies = settings.Mode.Contains('v', StringComparison.OrdinalIgnoreCase);
        Signs = settings.Mode.Contains('s', StringComparison.OrdinalIgnoreCase);
        _internal = settings.InternalHosts.Select(ParseNetwork).ToList();
        _keys = LoadKeys(settings, baseDirectory, out var keyFiles);
        UnsafeKeys = keyFiles.Select(KeyFileSafety.Problem).OfType<string>().ToList();
        if (settings.RequireSafeKeys && UnsafeKeys.Count > 0)
            throw new UnsafeKeyException(UnsafeKeys[0]);
        var signing = new DkimSigningOptions();
        signing.SetCanonicalization(settings.Canonicalization);
        Signer = new DkimSigning(signing);
        var options = new MessageAuthenticatorOptions
        {
            DnsBudget = settings.DnsBudget,
            PublicSuffixes = Milter.Authentication.PublicSuffixList.Load(settings.PublicSuffixList),
        };
        foreach (var sealer in settings.TrustedArcSealers)
            options.TrustedArcSealers.Add(sealer);
        Authenticator = new MessageAuthenticator(dns ?? CreateResolver(settings), options);
        History = settings.DmarcHistoryFile.Length == 0 ? null : new DmarcHistoryFile(Path.Combine(baseDirectory, settings.DmarcHistoryFile));
    }

    /// <summary>The settings it was built from.</summary>
    public AuthSettings Settings { get; }

    /// <summary>Why each private key that others can read or replace is unsafe (empty when all are safe); with
    /// RequireSafeKeys false the host logs these at start.</summary>
    public IReadOnlyList<string> UnsafeKeys { get; }

    /// <summary>Whether mail from outside is verified (Mode has v).</summary>
    public bool Verifies { get; }

    /// <summary>Whether mail from inside is signed (Mode has s).</summary>
    public bool Signs { get; }

    /// <summary>DKIM, ARC, SPF and DMARC on one message.</summary>
    public MessageAuthenticator Authenticator { get; }

    /// <summary>Where DMARC results are kept for aggregate reports, or null (DmarcHistoryFile not set).</summary>
    public DmarcHistoryFile? History { get; }

    /// <summary>Signs with the keys <see cref="KeysFor"/> picks.</summary>
    public DkimSigning Signer { get; }

    /// <summary>Whether mail from <paramref name="client"/> counts as ours (InternalHosts).</summary>
    public bool IsInternal(IPAddress? client) => client is not null && _internal.Any(n => n.Contains(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client));

    /// <summary>The keys that sign mail from <paramref name="fromAddress"/>.</summary>
    public IReadOnlyList<DkimSigningKey> KeysFor(string fromAddress) => _keys.Find(fromAddress);

    private static DnsResolver CreateResolver(AuthSettings settings)
    {
        var options = new DnsResolverOptions { Timeout = settings.DnsTimeout };
        foreach (var server in settings.Nameservers)
            options.Servers.Add(server);
        return new DnsResolver(options);
    }

    private static IPNetwork ParseNetwork(string text) =>
        IPNetwork.TryParse(text, out var network) ? network
        : IPAddress.TryParse(text, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
        : throw new FormatException($"InternalHosts: \"{text}\" is neither an address nor a network (10.0.0.0/8).");

    private static DkimKeyTable LoadKeys(AuthSettings settings, string baseDirectory, out IReadOnlyList<string> keyFiles)
    {
        if (settings.KeyTable.Length > 0 || settings.SigningTable.Length > 0)
        {
            var table = DkimKeyTable.Load(Path.Combine(baseDirectory, settings.KeyTable), Path.Combine(baseDirectory, settings.SigningTable));
            table.MultipleSignatures = settings.MultipleSignatures;
            keyFiles = table.KeyFiles;
            return table;
        }

        var single = new DkimKeyTable();
        keyFiles = settings.KeyFile.Length == 0 ? [] : [Path.Combine(baseDirectory, settings.KeyFile)];
        foreach (var domain in keyFiles.Count == 0 ? [] : settings.Domain)
            single.Add(domain, DkimSigningKey.Load(domain, settings.Selector, keyFiles[0]));
        return single;
    }
}
