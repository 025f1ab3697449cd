using System.Net;

namespace Milter.Authentication.Tests;

/// <summary>
/// One domain, two spellings: an IDN domain is the same domain whether it is written in U-labels (bücher.example, as an
/// SMTPUTF8 message writes it, or the public suffix list) or A-labels (xn--bcher-kva.example, as every other message
/// writes it), in From, MAIL FROM, HELO, d= and the suffix list.
/// </summary>
public class IdnTests
{
    private const string Ascii = "xn--bcher-kva.example";
    private const string Unicode = "bücher.example";
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.3");
    private static readonly PublicSuffixList Suffixes = new(["example", "公司.cn", "cn"]);

    [Theory]
    [InlineData("bücher.example", Ascii)]
    [InlineData("BÜCHER.Example.", Ascii)]
    [InlineData("xn--bcher-kva.example", Ascii)]
    [InlineData("XN--BCHER-KVA.EXAMPLE", Ascii)]
    [InlineData("食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("食狮。公司。cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("faß.de", "xn--fa-hia.de")]
    [InlineData("_dmarc.example.org", "_dmarc.example.org")]
    public void Every_spelling_becomes_lower_case_A_labels(string name, string expected)
    {
        Assert.Equal(expected, DomainName.ToAscii(name));
        Assert.True(DomainName.AreSame(name, expected));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..example")]
    [InlineData(".example")]
    [InlineData("xn--zz.example")]
    [InlineData("bad name.example")]
    [InlineData("[192.0.2.1]")]
    [InlineData("a\0b.example")]
    [InlineData("-a.example")]
    [InlineData("a-.example")]
    public void What_is_no_domain_name_is_null(string name)
    {
        Assert.Null(DomainName.ToAscii(name));
        Assert.Null(DomainName.ToAscii(new string('a', 64) + ".example"));
    }

    [Fact]
    public void People_read_U_labels()
    {
        Assert.Equal(Unicode, DomainName.ToUnicode(Ascii));
        Assert.Equal("食狮.公司.cn", DomainName.ToUnicode("xn--85x722f.xn--55qx5d.cn"));
        Assert.Equal("xn--zz.example", DomainName.ToUnicode("xn--zz.example"));
    }

    [Theory]
    [InlineData("xn--85x722f.xn--55qx5d.cn")]
    [InlineData("食狮.公司.cn")]
    [InlineData("www.xn--85x722f.xn--55qx5d.cn")]
    [InlineData("www.食狮.公司.cn")]
    public void The_suffix_list_written_in_U_labels_finds_the_organizational_domain_of_either_spelling(string domain)
    {
        Assert.Equal("xn--85x722f.xn--55qx5d.cn", Suffixes.OrganizationalDomain(domain));
    }

    [Fact]
    public void Debians_list_knows_the_chinese_company_suffix()
    {
        if (!File.Exists(PublicSuffixList.DebianPath))
            Assert.Skip("Debian's publicsuffix package is not installed (apt-get install publicsuffix)");

        var list = PublicSuffixList.Load();

        Assert.Equal("xn--85x722f.xn--55qx5d.cn", list.OrganizationalDomain("xn--85x722f.xn--55qx5d.cn"));
        Assert.Equal("xn--85x722f.xn--55qx5d.cn", list.OrganizationalDomain("mail.食狮.公司.cn"));
        Assert.Null(list.RegistrableDomain("xn--55qx5d.cn"));
    }

    [Theory]
    [InlineData(Ascii)]
    [InlineData(Unicode)]
    public async Task A_reject_policy_of_an_IDN_From_domain_rejects_what_is_not_aligned(string fromDomain)
    {
        var dns = new FakeDns().Txt($"_dmarc.{Ascii}", "v=DMARC1; p=reject");

        var result = await new DmarcEvaluation(Suffixes, () => 0).EvaluateAsync(From(fromDomain), [Dkim("example.net")], null, dns);

        Assert.Equal((AuthResult.Fail, Ascii, Ascii, DmarcPolicy.Reject), (result.Result, result.FromDomain, result.PolicyDomain, result.Disposition));
        Assert.Equal([$"_dmarc.{Ascii}"], dns.Asked);
    }

    [Theory]
    [InlineData(Ascii, Unicode)]
    [InlineData(Unicode, Ascii)]
    [InlineData(Unicode, "MAIL.BÜCHER.EXAMPLE")]
    public async Task A_signature_in_either_spelling_aligns_with_a_From_in_the_other(string fromDomain, string signingDomain)
    {
        var dns = new FakeDns().Txt($"_dmarc.{Ascii}", "v=DMARC1; p=reject");

        var result = await new DmarcEvaluation(Suffixes).EvaluateAsync(From(fromDomain), [Dkim(signingDomain)], null, dns);

        Assert.Equal(AuthResult.Pass, result.Result);
    }

    [Fact]
    public async Task A_sender_in_U_labels_is_checked_and_aligned_in_A_labels()
    {
        var dns = new FakeDns().Txt(Ascii, "v=spf1 ip4:192.0.2.0/24 -all").Txt($"_dmarc.{Ascii}", "v=DMARC1; p=reject; aspf=s");
        var authenticator = new MessageAuthenticator(dns, new MessageAuthenticatorOptions { PublicSuffixes = Suffixes, CheckArc = false });

        var report = await authenticator.VerifyAsync(From(Ascii), new SmtpEnvelope(Client, "mail.bücher.example", $"bounce@{Unicode}"));
        var header = report.ToHeaderValue("mx.example.net");

        Assert.Equal((AuthResult.Pass, Ascii), (report.MailFrom!.Result, report.MailFrom.Domain));
        Assert.Equal(AuthResult.Pass, report.Dmarc!.Result);
        Assert.Contains($"smtp.mailfrom=\"bounce@{Ascii}\"", header, StringComparison.Ordinal);
        Assert.Contains($"smtp.helo=mail.{Ascii}", header, StringComparison.Ordinal);
        Assert.Contains($"header.from={Ascii}", header, StringComparison.Ordinal);
        Assert.All(header, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public async Task A_key_for_a_U_label_domain_signs_as_A_labels_and_verifies()
    {
        var key = TestKeys.RsaKey(Unicode, "sél");
        var dns = new FakeDns().Txt($"xn--sl-bja._domainkey.{Ascii}", TestKeys.Record(TestKeys.Rsa));
        var message = Messages.Signed(Messages.Plain.Replace("alice@example.org", $"alice@{Ascii}", StringComparison.Ordinal), [key]);

        var result = Assert.Single(await new DkimVerification().VerifyAsync(message, dns));

        Assert.Equal((Ascii, "xn--sl-bja"), (key.Domain, key.Selector));
        Assert.Equal((AuthResult.Pass, Ascii), (result.Result, result.Domain));
    }

    [Theory]
    [InlineData("*@bücher.example", $"alice@{Ascii}")]
    [InlineData("*@xn--bcher-kva.example", $"alice@{Unicode}")]
    [InlineData("*.bücher.example", $"alice@mail.{Ascii}")]
    public void The_signing_table_matches_either_spelling(string pattern, string from)
    {
        var table = new DkimKeyTable();
        table.Add(pattern, TestKeys.RsaKey(Ascii));

        Assert.Single(table.Find(from));
    }

    private static DkimSignatureResult Dkim(string domain) => new(AuthResult.Pass, domain, "s", "rsa-sha256", null, "abc", null);

    private static MimeKit.MimeMessage From(string domain) => Messages.Parse($"From: <a@{domain}>\r\nSubject: x\r\n\r\nbody\r\n");
}
