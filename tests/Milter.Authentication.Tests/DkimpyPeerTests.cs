using System.Text;
using System.Text.Json;
using MimeKit;
using Org.BouncyCastle.Crypto.Parameters;

namespace Milter.Authentication.Tests;

/// <summary>
/// dkimpy (Debian's python3-dkim) as a second peer beside OpenDKIM, both ways: every signature and seal we make verifies
/// in dkimpy, every one dkimpy makes verifies here (rsa-sha256 and ed25519-sha256, each canonicalization, l=), and an
/// ARC chain passes whichever of the two sealed first.
/// </summary>
public class DkimpyPeerTests
{
    private const string DkimpyHost = "dkimpy.example";

    private static readonly string[] Corpus =
    [
        Messages.Plain,
        "From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject:   spaced    out   \r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n  leading and trailing   \r\n\r\n\r\n",
        "From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: empty body\r\n\r\n",
        "From: <alice@example.org>\r\nTo: <bob@example.net>,\r\n  <carol@example.net>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n",
        "From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: long lines\r\n\r\n" + new string('x', 900) + "\r\n.dot-started line\r\n\ttab\r\n",
    ];

    private static readonly string[] Canonicalizations = ["relaxed/relaxed", "relaxed/simple", "simple/simple", "simple/relaxed"];

    [Fact]
    public void Every_signature_we_make_verifies_in_dkimpy()
    {
        DebianPython.Require("dkim", "python3-dkim");
        var jobs = new List<object>();
        var cases = new List<string>();
        foreach (var (text, n) in Corpus.Select((t, n) => (t, n)))
        {
            foreach (var canonicalization in Canonicalizations)
            {
                foreach (var key in (DkimSigningKey[])[TestKeys.RsaKey(), TestKeys.EdKey()])
                {
                    var options = new DkimSigningOptions();
                    options.SetCanonicalization(canonicalization);
                    jobs.Add(new { op = "verify", message = Wire(Messages.Signed(text, [key], options)), records = Records() });
                    cases.Add($"message {n}, {canonicalization}, {key.Algorithm}");
                }
            }
        }

        var results = Run(jobs);

        Assert.Equal(40, results.Count);
        Assert.All(results.Zip(cases), r => Assert.True(r.First == "pass", $"{r.Second}: dkimpy says {r.First}"));
    }

    [Fact]
    public async Task Every_signature_dkimpy_makes_verifies_here_and_fails_when_changed()
    {
        DebianPython.Require("dkim", "python3-dkim");
        var jobs = new List<object>();
        foreach (var text in Corpus)
        {
            foreach (var canonicalization in Canonicalizations)
            {
                foreach (var algorithm in (string[])["rsa-sha256", "ed25519-sha256"])
                    jobs.Add(Sign(text, canonicalization, algorithm, length: false));
            }

            jobs.Add(Sign(text, "relaxed/relaxed", "rsa-sha256", length: true));
        }

        var signed = Run(jobs);
        var verifier = new DkimVerification();
        foreach (var message in signed)
        {
            var result = Assert.Single(await verifier.VerifyAsync(Messages.Parse(Encoding.UTF8.GetBytes(message)), TestKeys.Dns()));
            Assert.True(result.Result == AuthResult.Pass, $"{result.Result}: {result.Reason}\n{message}");
            var changed = message.Replace("Subject:", "Subject: changed", StringComparison.Ordinal);
            Assert.Equal(AuthResult.Fail, Assert.Single(await verifier.VerifyAsync(Messages.Parse(Encoding.UTF8.GetBytes(changed)), TestKeys.Dns())).Result);
        }

        Assert.Equal(45, signed.Count);
        Assert.Contains(signed, m => m.Contains(" l=", StringComparison.Ordinal) || m.Contains(";l=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_chain_dkimpy_seals_first_and_we_seal_second_passes_in_both()
    {
        DebianPython.Require("dkim", "python3-dkim");
        var first = Messages.Parse(Encoding.UTF8.GetBytes(Run([ArcSign($"Authentication-Results: {DkimpyHost}; arc=none\r\n" + Messages.Plain)])[0]));

        var ours = await new ArcVerification().VerifyAsync(first, TestKeys.Dns());
        var second = await SealAsync(first, ours);
        var theirs = Run([new { op = "arc_verify", message = Wire(second), records = Records() }])[0];

        Assert.Equal((AuthResult.Pass, 1), (ours.Result, ours.Instances));
        Assert.Equal("pass", theirs);
        Assert.Equal((AuthResult.Pass, 2), ((await new ArcVerification().VerifyAsync(second, TestKeys.Dns())).Result, second.Headers.Count(h => h.Id == HeaderId.ArcSeal)));
    }

    [Fact]
    public async Task A_chain_we_seal_first_and_dkimpy_seals_second_passes_in_both()
    {
        DebianPython.Require("dkim", "python3-dkim");
        var first = await SealAsync(Messages.Parse(Messages.Plain), new ArcResult(AuthResult.None, 0, null));
        var theirsFirst = Run([new { op = "arc_verify", message = Wire(first), records = Records() }])[0];
        var withResults = $"Authentication-Results: {DkimpyHost}; arc={theirsFirst}\r\n" + Wire(first);

        var second = Messages.Parse(Encoding.UTF8.GetBytes(Run([ArcSign(withResults)])[0]));
        var ours = await new ArcVerification().VerifyAsync(second, TestKeys.Dns());

        Assert.Equal("pass", theirsFirst);
        Assert.Contains("cv=pass", second.Headers[HeaderId.ArcSeal], StringComparison.Ordinal);
        Assert.Equal((AuthResult.Pass, 2), (ours.Result, ours.Instances));
    }

    private static async Task<MimeMessage> SealAsync(MimeMessage message, ArcResult arc)
    {
        var set = await new ArcSealing(TestKeys.RsaKey()).SealAsync(message, new AuthenticationReport([], arc, null, null, null), "mx.example.org");
        for (var i = set.Count - 1; i >= 0; i--)
            message.Headers.Insert(0, set[i]);
        return Messages.Parse(Messages.Bytes(message));
    }

    private static object Sign(string text, string canonicalization, string algorithm, bool length) => new
    {
        op = "sign",
        message = text,
        selector = algorithm == "rsa-sha256" ? "rsa" : "ed",
        key = algorithm == "rsa-sha256" ? TestKeys.Pem(TestKeys.Rsa.Private) : Convert.ToBase64String(((Ed25519PrivateKeyParameters)TestKeys.Ed25519.Private).GetEncoded()),
        algorithm,
        canonicalization,
        length,
    };

    private static object ArcSign(string text) => new { op = "arc_sign", message = text, selector = "rsa", key = TestKeys.Pem(TestKeys.Rsa.Private), srv_id = DkimpyHost };

    private static Dictionary<string, string> Records() => new()
    {
        ["rsa._domainkey.example.org"] = TestKeys.Record(TestKeys.Rsa),
        ["ed._domainkey.example.org"] = TestKeys.Record(TestKeys.Ed25519),
    };

    private static string Wire(MimeMessage message) => Encoding.UTF8.GetString(Messages.Bytes(message));

    private static List<string> Run(IEnumerable<object> jobs) =>
        JsonSerializer.Deserialize<List<string>>(DebianPython.Output(Script, JsonSerializer.Serialize(jobs)))!;

    // Each job: "verify" gives dkimpy's result for the first signature, "arc_verify" its cv, "sign" and "arc_sign" the
    // message with dkimpy's field(s) on top.
    private const string Script = """
        import json, sys, dkim
        out = []
        for job in json.load(sys.stdin):
            message = job["message"].encode()
            if job["op"] in ("verify", "arc_verify"):
                records = {name.encode(): text.encode() for name, text in job["records"].items()}
                dns = lambda name, timeout=5: records.get(name.rstrip(b"."))
                if job["op"] == "verify":
                    out.append("pass" if dkim.verify(message, dnsfunc=dns) else "fail")
                else:
                    cv, _, _ = dkim.arc_verify(message, dnsfunc=dns)
                    out.append((cv or b"").decode())
            elif job["op"] == "sign":
                header, body = job["canonicalization"].encode().split(b"/")
                field = dkim.sign(message, job["selector"].encode(), b"example.org", job["key"].encode(), canonicalize=(header, body),
                                  signature_algorithm=job["algorithm"].encode(), include_headers=[b"from", b"to", b"subject"], length=job["length"])
                out.append((field + message).decode())
            else:
                fields = dkim.arc_sign(message, job["selector"].encode(), b"example.org", job["key"].encode(), job["srv_id"].encode(),
                                       include_headers=[b"from", b"to", b"subject"])
                out.append((b"".join(fields) + message).decode())
        print(json.dumps(out))
        """;
}
