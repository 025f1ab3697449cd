using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// Three private Postfix instances, each with the AuthMilter sample on its main port and OpenDKIM on its other port:
/// two signing (relaxed/relaxed: ours with an RSA and an Ed25519 key, OpenDKIM with RSA; simple/simple: RSA each) and
/// one verifying. DNS is <see cref="MailDns"/>, which OpenDKIM reaches through unbound.
/// </summary>
public sealed class DkimInteropRig(MailDns dns) : IAsyncLifetime
{
    public const string OursVerifier = "ours.verify";
    public const string OpenDkimVerifier = "odkim.verify";

    /// <summary>What <see cref="DkimResults"/> gives for a message without Authentication-Results from the verifier.</summary>
    public const string NoResults = "(no Authentication-Results)";

    private readonly List<IAsyncDisposable> _parts = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-dkim-interop-").FullName;
    private PostfixInstance? _relaxed, _simple, _verify;
    private Task<IReadOnlyList<(string Signer, string Message, string Signed)>>? _corpus;

    public string? Unavailable { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Unavailable = dns.Unavailable ?? PostfixInstance.Unavailable() ?? OpenDkim.Unavailable()
            ?? (dns.HasOpenDkimKey ? null : "opendkim-genkey did not make a key")
            ?? (File.Exists(Authentication.PublicSuffixList.DebianPath) ? null : "Debian's publicsuffix package is not installed");
        if (Unavailable is not null)
            return;
        var keys = dns.KeyDirectory;
        await File.WriteAllTextAsync(Path.Combine(_directory, "KeyTable"), $"rsa ours.test:rsa:{keys}/ours-rsa.private\ned ours.test:ed:{keys}/ours-ed.private\n");
        await File.WriteAllTextAsync(Path.Combine(_directory, "SigningTable"), "*@ours.test rsa\n*@ours.test ed\n");
        var unbound = dns.WriteUnboundConfig(_directory);
        string OpenDkimSigner(string canonicalization) =>
            $"Mode s\nDomain odkim.test\nSelector sel\nKeyFile {keys}/sel.private\nCanonicalization {canonicalization}\nInternalHosts 127.0.0.1";

        var oursRelaxed = await Sample("--AuthMilter:Mode", "s", "--AuthMilter:KeyTable", Path.Combine(_directory, "KeyTable"),
            "--AuthMilter:SigningTable", Path.Combine(_directory, "SigningTable"), "--AuthMilter:MultipleSignatures", "true",
            "--AuthMilter:Canonicalization", "relaxed/relaxed");
        var oursSimple = await Sample("--AuthMilter:Mode", "s", "--AuthMilter:Domain:0", "ours.test", "--AuthMilter:Selector", "rsa",
            "--AuthMilter:KeyFile", $"{keys}/ours-rsa.private", "--AuthMilter:Canonicalization", "simple/simple");
        var oursVerify = await Sample("--AuthMilter:Mode", "v", "--AuthMilter:AuthservId", OursVerifier, "--AuthMilter:Nameservers:0", dns.Server,
            "--AuthMilter:DmarcRejectFailures", "false");
        var odkimRelaxed = Keep(await OpenDkim.StartAsync(_directory, "relaxed", OpenDkimSigner("relaxed/relaxed")));
        var odkimSimple = Keep(await OpenDkim.StartAsync(_directory, "simple", OpenDkimSigner("simple/simple")));
        var odkimVerify = Keep(await OpenDkim.StartAsync(_directory, "verify",
            $"Mode v\nAuthservID {OpenDkimVerifier}\nAlwaysAddARHeader yes\nInternalHosts 192.0.2.255\nResolverConfiguration {unbound}"));

        _relaxed = await Mta(oursRelaxed, odkimRelaxed);
        _simple = await Mta(oursSimple, odkimSimple);
        _verify = await Mta(oursVerify, odkimVerify);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var part in Enumerable.Reverse(_parts))
            await part.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The signers: a name, and where to send a message to have it signed (Postfix instance, port, From domain).</summary>
    internal IEnumerable<(string Name, PostfixInstance Mta, int Port, string Domain)> Signers()
    {
        yield return ("ours relaxed (rsa + ed25519)", _relaxed!, _relaxed!.SmtpPort, "ours.test");
        yield return ("OpenDKIM relaxed", _relaxed!, _relaxed!.OtherSmtpPort, "odkim.test");
        yield return ("ours simple", _simple!, _simple!.SmtpPort, "ours.test");
        yield return ("OpenDKIM simple", _simple!, _simple!.OtherSmtpPort, "odkim.test");
    }

    /// <summary>Every corpus message as each signer signed it, made once for the tests that share this rig.</summary>
    internal Task<IReadOnlyList<(string Signer, string Message, string Signed)>> SignCorpusAsync() => _corpus ??= SignAllAsync();

    private async Task<IReadOnlyList<(string Signer, string Message, string Signed)>> SignAllAsync() =>
        await Task.WhenAll(Signers().SelectMany(signer => DkimCorpus.Messages.Select(async message =>
            (signer.Name, message.Name, await RelayAsync(signer.Mta, signer.Port, message.Text.Replace("DOMAIN", signer.Domain, StringComparison.Ordinal))))));

    /// <summary>Sends <paramref name="message"/> through <paramref name="port"/> of <paramref name="mta"/> and returns it as delivered.</summary>
    internal static async Task<string> RelayAsync(PostfixInstance mta, int port, string message)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(port);
        var answer = await smtp.SendAsync("alice@sender.test", ["bob@dest.test"], message);
        return await mta.WaitForRawDeliveryAsync(mta.QueueIdOf(answer));
    }

    /// <summary>Has <paramref name="message"/> verified by ours and by OpenDKIM; each verifier's dkim results as "d s result", sorted.</summary>
    public async Task<(IReadOnlyList<string> Ours, IReadOnlyList<string> OpenDkim)> VerifyAsync(string message)
    {
        var ours = RelayAsync(_verify!, _verify!.SmtpPort, message);
        var theirs = RelayAsync(_verify!, _verify!.OtherSmtpPort, message);
        return (DkimResults(await ours, OursVerifier), DkimResults(await theirs, OpenDkimVerifier));
    }

    /// <summary>The dkim= results of the Authentication-Results field of <paramref name="authservId"/>.</summary>
    public static IReadOnlyList<string> DkimResults(string delivered, string authservId)
    {
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(delivered)));
        var field = message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults)
            .Select(h => AuthenticationResults.Parse(h.RawValue))
            .SingleOrDefault(r => r.AuthenticationServiceIdentifier == authservId);
        if (field is null)
            return [NoResults];
        return field.Results.Where(r => r.Method == "dkim")
            .Select(r => $"{Property(r, "d")} {Property(r, "s")} {r.Result}".Trim())
            .Order(StringComparer.Ordinal).ToList();
    }

    private static string? Property(AuthenticationMethodResult result, string name) =>
        result.Properties.FirstOrDefault(p => p.PropertyType == "header" && p.Property == name)?.Value;

    private async Task<SampleMilter> Sample(params string[] settings) => Keep(await SampleMilter.StartAuthMilterAsync(settings));

    private async Task<PostfixInstance> Mta(SampleMilter ours, MilterProcess openDkim) =>
        Keep(await PostfixInstance.StartAsync($"inet:127.0.0.1:{ours.Port}", $"inet:127.0.0.1:{openDkim.Port}"));

    private T Keep<T>(T part) where T : IAsyncDisposable
    {
        _parts.Add(part);
        return part;
    }
}
