using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// The test domains in a real DNS server, started once per test run for the tests of <see cref="Collection"/>: DKIM keys
/// (ours: RSA and Ed25519 for ours.test; OpenDKIM's, made by opendkim-genkey, for odkim.test), SPF and DMARC records,
/// records built to break things (a revoked key, an oversize key, SPF include loops, too many lookups, void lookups,
/// a record only TCP can carry), and broken.test, a zone that fails to load, so Knot answers SERVFAIL for it.
/// </summary>
public sealed partial class MailDns : IAsyncLifetime
{
    public const string Collection = "mail DNS";

    private KnotServer? _knot;

    /// <summary>Why the DNS server is not running, or null when it is.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Where the keys are: ours-rsa.private, ours-ed.private and, with OpenDKIM installed, sel.private.</summary>
    public string KeyDirectory { get; } = Directory.CreateTempSubdirectory("milter-dns-keys-").FullName;

    /// <summary>Whether opendkim-genkey made odkim.test's key.</summary>
    public bool HasOpenDkimKey => File.Exists(Path.Combine(KeyDirectory, "sel.private"));

    /// <summary>The server as ADDRESS:PORT.</summary>
    public string Server => _knot?.Address ?? throw new InvalidOperationException(Unavailable);

    public int Port => _knot?.Port ?? throw new InvalidOperationException(Unavailable);

    /// <summary>An SPF record longer than a UDP answer holds: 300 ip4 terms before the one that matches 192.0.2.3.</summary>
    public static string BigSpfRecord { get; } =
        "v=spf1 " + string.Join(' ', Enumerable.Range(1, 300).Select(i => $"ip4:10.{i / 250}.{i % 250}.1")) + " ip4:192.0.2.3 -all";

    public async ValueTask InitializeAsync()
    {
        Unavailable = KnotServer.Unavailable();
        if (Unavailable is not null)
            return;
        var records = new List<(string Name, string Type, string Data)>();
        AddOurKeys(records);
        await AddOpenDkimKeyAsync(records);
        AddPolicies(records);
        var zone = "$ORIGIN test.\n$TTL 300\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ NS ns.test.\nns A 127.0.0.1\n"
            + string.Concat(records.Select(r => $"{r.Name} {r.Type} {(r.Type == "TXT" ? KnotServer.Txt(r.Data) : r.Data)}\n"));
        _knot = await KnotServer.StartAsync(new Dictionary<string, string>
        {
            ["test"] = zone,
            ["broken.test"] = "this is not a zone file\n",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_knot is not null)
            await _knot.DisposeAsync();
        Directory.Delete(KeyDirectory, recursive: true);
    }

    /// <summary>An unbound configuration (OpenDKIM's ResolverConfiguration) that asks this server for everything under test.</summary>
    public string WriteUnboundConfig(string directory)
    {
        var path = Path.Combine(directory, "unbound.conf");
        File.WriteAllText(path, $"""
            server:
                do-not-query-localhost: no
                local-zone: "test." nodefault
                domain-insecure: "test."
            stub-zone:
                name: "test."
                stub-addr: 127.0.0.1@{Port}
            """);
        return path;
    }

    private void AddOurKeys(List<(string, string, string)> records)
    {
        using var rsa = RSA.Create(2048);
        File.WriteAllText(Path.Combine(KeyDirectory, "ours-rsa.private"), rsa.ExportRSAPrivateKeyPem());
        records.Add(("rsa._domainkey.ours", "TXT", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}"));

        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var ed = generator.GenerateKeyPair();
        var pkcs8 = Convert.ToBase64String(PrivateKeyInfoFactory.CreatePrivateKeyInfo(ed.Private).GetDerEncoded(), Base64FormattingOptions.InsertLineBreaks);
        File.WriteAllText(Path.Combine(KeyDirectory, "ours-ed.private"), $"-----BEGIN PRIVATE KEY-----\n{pkcs8}\n-----END PRIVATE KEY-----\n");
        records.Add(("ed._domainkey.ours", "TXT", $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(((Ed25519PublicKeyParameters)ed.Public).GetEncoded())}"));
        records.Add(("revoked._domainkey.ours", "TXT", "v=DKIM1; k=rsa; p="));
        records.Add(("huge._domainkey.ours", "TXT", "v=DKIM1; k=rsa; p=" + new string('A', 6000)));
        // AuthMilter's RequireSafeKeys: private keys are the owner's alone.
        foreach (var key in (string[])["ours-rsa.private", "ours-ed.private"])
            File.SetUnixFileMode(Path.Combine(KeyDirectory, key), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private async Task AddOpenDkimKeyAsync(List<(string, string, string)> records)
    {
        if (!File.Exists("/usr/sbin/opendkim-genkey") || !await MilterProcess.RunsAsync("/usr/sbin/opendkim-genkey", "-b", "2048", "-D", KeyDirectory, "-d", "odkim.test", "-s", "sel"))
            return;
        // sel.txt is a zone-file snippet: the record's strings, quoted, between parentheses.
        var snippet = await File.ReadAllTextAsync(Path.Combine(KeyDirectory, "sel.txt"));
        var data = string.Concat(QuotedString().Matches(snippet).Select(m => m.Groups[1].Value));
        records.Add(("sel._domainkey.odkim", "TXT", data));
    }

    private static void AddPolicies(List<(string, string, string)> records)
    {
        records.AddRange([
            ("ours", "TXT", "v=spf1 ip4:127.0.0.0/8 -all"),
            ("odkim", "TXT", "v=spf1 ip4:127.0.0.0/8 -all"),
            ("_dmarc.ours", "TXT", "v=DMARC1; p=reject"),
            ("_dmarc.odkim", "TXT", "v=DMARC1; p=quarantine; sp=none"),
            ("pass.spf", "TXT", "v=spf1 ip4:192.0.2.0/24 -all"),
            ("fail.spf", "TXT", "v=spf1 ip4:198.51.100.0/24 -all"),
            ("soft.spf", "TXT", "v=spf1 ~all"),
            ("mx.spf", "TXT", "v=spf1 mx -all"),
            ("mx.spf", "MX", "10 mail.mx.spf.test."),
            ("mail.mx.spf", "A", "192.0.2.3"),
            ("macro.spf", "TXT", "v=spf1 exists:%{ir}._ip.%{d} -all"),
            ("3.2.0.192._ip.macro.spf", "A", "127.0.0.2"),
            ("loop.spf", "TXT", "v=spf1 include:loop2.spf.test -all"),
            ("loop2.spf", "TXT", "v=spf1 include:loop.spf.test -all"),
            ("many.spf", "TXT", "v=spf1 " + string.Join(' ', Enumerable.Range(1, 11).Select(i => $"include:i{i}.spf.test")) + " ip4:192.0.2.3 -all"),
            ("void.spf", "TXT", "v=spf1 a:nx1.spf.test a:nx2.spf.test a:nx3.spf.test ip4:192.0.2.3 -all"),
            ("big.spf", "TXT", BigSpfRecord),
            ("servfail.spf", "TXT", "v=spf1 include:x.broken.test -all"),
            ("two.spf", "TXT", "v=spf1 -all"),
            ("two.spf", "TXT", "v=spf1 +all"),
            ("_dmarc.strict.ours", "TXT", "v=DMARC1; p=reject; adkim=s; aspf=s"),
        ]);
        for (var i = 1; i <= 11; i++)
            records.Add(($"i{i}.spf", "TXT", "v=spf1 -all"));
    }

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex QuotedString();
}

[CollectionDefinition(MailDns.Collection)]
public sealed class MailDnsCollection : ICollectionFixture<MailDns>;
