using System.Net;
using System.Text;
using System.Text.Json;
using MimeKit;

namespace Milter.Authentication.Tests;

/// <summary>
/// Authentication-Results that any RFC 8601 parser reads, whatever came in: records and headers with CR, LF, NUL,
/// bytes over 0x7F, a byte order mark, quotes, semicolons and parentheses, in every place a value is copied from
/// (SPF and DMARC records, DKIM-Signature tags, ARC fields, MAIL FROM, HELO, From). Every header written is parsed
/// by Debian's python3-authres, and must give back the methods we wrote, in order.
/// </summary>
public class HostileResultTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.3");
    private static readonly PublicSuffixList Suffixes = new(["org"]);

    private static readonly string[] Hostile =
    [
        "\r", "\n", "\r\n", "\r\n ", "\0", "\u0080", "\u00ff", "\uFEFF", "ü", "\u2028", "\uD800", "😀", "\t", "\x7F", "\x1B[31m",
        "\"", "\\", "\\\"", "(", ")", ";", "=", " ", "@", "dkim=pass", "; spf=pass smtp.mailfrom=x@y", new string('x', 5000),
    ];

    public static TheoryData<string> Spots() => ["spf record", "dmarc record", "dkim tags", "arc fields", "mail from", "helo", "from"];

    [Theory]
    [MemberData(nameof(Spots))]
    public async Task Every_header_written_parses_with_authres(string spot)
    {
        DebianPython.Require("authres", "python3-authres");
        var written = new List<(string Value, string[] Methods)>();
        foreach (var hostile in Hostile)
        {
            var report = await ReportAsync(spot, hostile);
            foreach (var utf8 in (bool[])[false, true])
            {
                var value = report.ToHeaderValue("mx.example.net", utf8);
                Assert.All(value, c => Assert.True(c >= ' ' && c != '\x7F' && (utf8 || c <= '~'), $"U+{(int)c:X4} in {value}"));
                // As the MTA gets it: the field MimeKit folds, unfolded again.
                var raw = Encoding.UTF8.GetString(new Header("Authentication-Results", value).RawValue).Replace("\r\n", "", StringComparison.Ordinal).Trim();
                foreach (var text in (string[])[value, raw])
                    written.Add((utf8 ? AsAscii(text) : text, Methods(report)));
            }
        }

        var parsed = JsonSerializer.Deserialize<List<List<string>?>>(DebianPython.Output(ParseScript, JsonSerializer.Serialize(written.Select(w => w.Value))))!;

        Assert.Equal(written.Count, parsed.Count);
        for (var i = 0; i < written.Count; i++)
        {
            Assert.True(parsed[i] is not null, $"authres refused: {written[i].Value}");
            Assert.Equal(written[i].Methods, parsed[i]!);
        }
    }

    [Fact]
    public void Values_are_cut_and_unwritable_characters_replaced()
    {
        Assert.Equal("a?b?c?d", ResultText.Reduce("a\rb\0c\uFEFFd", utf8: true));
        Assert.Equal("b?cher ?", ResultText.Reduce("bücher 😀", utf8: false));
        Assert.Equal("bücher 😀", ResultText.Reduce("bücher 😀", utf8: true));
        Assert.Equal("??", ResultText.Reduce("\uD800\u0085", utf8: true));
        Assert.Equal(new string('x', ResultText.MaxLength) + "...", ResultText.Reduce(new string('x', 5000), utf8: false));
    }

    // authres knows only RFC 8601's ASCII grammar. RFC 6532 3.2 lets UTF-8 stand where quoted-string text may; so every
    // non-ASCII character must be inside quotes, and there one ASCII letter stands for it.
    private static string AsAscii(string value)
    {
        var text = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && quoted)
            {
                text.Append(c).Append(value[++i]);
                continue;
            }

            if (c == '"')
                quoted = !quoted;
            Assert.True(c <= '~' || quoted, $"U+{(int)c:X4} outside a quoted-string in {value}");
            text.Append(c <= '~' ? c : 'x');
        }

        return text.ToString();
    }

    private static string[] Methods(AuthenticationReport report) =>
        report.ToAuthenticationResults("mx.example.net").Results.Select(r => r.Method).ToArray();

    private static Task<AuthenticationReport> ReportAsync(string spot, string hostile)
    {
        var dns = new FakeDns()
            .Txt("example.org", spot == "spf record" ? $"v=spf1 ip4:192.0.2.9 {hostile} -all" : "v=spf1 -all")
            .Txt("_dmarc.example.org", spot == "dmarc record" ? $"v=DMARC1; p={hostile}" : "v=DMARC1; p=reject");
        var from = spot == "from" ? $"a@ex{hostile}ample.org" : "a@example.org";
        var text = new StringBuilder();
        if (spot == "dkim tags")
            text.Append($"DKIM-Signature: v=1; a=rsa{hostile}; d=ex{hostile}ample.org; s=s{hostile}; i=u{hostile}@ex{hostile}ample.org; h=from; bh=x; b=b{hostile}\r\n");
        if (spot == "arc fields")
            text.Append($"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=ex{hostile}; s=s; b={hostile}\r\nARC-Message-Signature: i={hostile}; a=x\r\n");
        text.Append($"From: <{from}>\r\nSubject: x\r\n\r\nbody\r\n");
        // Bytes over 0x7F arrive as they were sent: UTF-8 here, as an 8-bit header would.
        var message = Messages.Parse(Encoding.UTF8.GetBytes(text.ToString()));
        var envelope = new SmtpEnvelope(Client, spot == "helo" ? $"mail{hostile}.example.org" : "mail.example.org",
            spot == "mail from" ? $"b{hostile}@example.org" : "b@example.org");
        return new MessageAuthenticator(dns, new MessageAuthenticatorOptions { PublicSuffixes = Suffixes }).VerifyAsync(message, envelope);
    }

    // For each value, the methods authres read in it, or null when it refused the value.
    private const string ParseScript = """
        import json, sys, authres
        out = []
        for value in json.load(sys.stdin):
            try:
                out.append([r.method for r in authres.AuthenticationResultsHeader.parse_value(value).results])
            except Exception:
                out.append(None)
        print(json.dumps(out))
        """;
}
