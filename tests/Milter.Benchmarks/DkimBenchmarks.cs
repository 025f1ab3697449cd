using BenchmarkDotNet.Attributes;
using Milter.Authentication;
using Milter.Authentication.Tests;
using MimeKit;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Milter.Benchmarks;

/// <summary>
/// The cost of DKIM per message as a milter pays it at end of message: parse the bytes into a MimeMessage, then verify
/// one signature (the key already cached, as after the first message of a domain) or sign once. The messages are the
/// files docs/performance.md times OpenDKIM on.
/// </summary>
[MemoryDiagnoser]
public class DkimBenchmarks
{
    private readonly DkimVerification _verifier = new();
    private readonly DkimSigning _signer = new();
    private DkimSigningKey _rsa = null!;
    private DkimSigningKey _ed = null!;
    private FakeDns _dns = null!;
    private byte[] _message = [];
    private byte[] _signedRsa = [];
    private byte[] _signedEd = [];

    [Params("plain.eml", "multipart.eml", "large.eml")]
    public string Message { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var rsa = new RsaKeyPairGenerator();
        rsa.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        var rsaPair = rsa.GenerateKeyPair();
        var ed = new Ed25519KeyPairGenerator();
        ed.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var edPair = ed.GenerateKeyPair();
        _rsa = new DkimSigningKey("example.org", "rsa", rsaPair.Private);
        _ed = new DkimSigningKey("example.org", "ed", edPair.Private);
        _dns = new FakeDns()
            .Txt("rsa._domainkey.example.org", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(rsaPair.Public).GetDerEncoded())}")
            .Txt("ed._domainkey.example.org", $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(((Ed25519PublicKeyParameters)edPair.Public).GetEncoded())}");
        _message = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "messages", Message));
        _signedRsa = Signed(_rsa);
        _signedEd = Signed(_ed);
        if (VerifyRsa().GetAwaiter().GetResult() != AuthResult.Pass || VerifyEd25519().GetAwaiter().GetResult() != AuthResult.Pass)
            throw new InvalidOperationException("The signed messages do not verify.");
    }

    [Benchmark(Description = "verify one signature, rsa-sha256 2048")]
    public async Task<AuthResult> VerifyRsa() => (await _verifier.VerifyAsync(Parse(_signedRsa), _dns))[0].Result;

    [Benchmark(Description = "verify one signature, ed25519-sha256")]
    public async Task<AuthResult> VerifyEd25519() => (await _verifier.VerifyAsync(Parse(_signedEd), _dns))[0].Result;

    [Benchmark(Description = "sign once, rsa-sha256 2048")]
    public Header SignRsa() => _signer.Sign(Parse(_message), [_rsa])[0];

    [Benchmark(Description = "sign once, ed25519-sha256")]
    public Header SignEd25519() => _signer.Sign(Parse(_message), [_ed])[0];

    private static MimeMessage Parse(byte[] bytes) => MimeMessage.Load(new MemoryStream(bytes));

    private byte[] Signed(DkimSigningKey key)
    {
        var message = Parse(_message);
        message.Headers.Insert(0, _signer.Sign(message, [key])[0]);
        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, output);
        return output.ToArray();
    }
}
