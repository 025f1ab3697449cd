using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Xml.Linq;
using System.Xml.Schema;
using AuthMilter;
using Microsoft.Extensions.DependencyInjection;
using Milter.Client;
using Milter.Testing;

namespace Milter.Authentication.Tests;

/// <summary>
/// DMARC aggregate reports (RFC 7489 7.2): a day of test mail checked, its entries kept in a history file, one report
/// per policy domain written and validated against RFC 7489 Appendix C's schema (DmarcSchema/, with its two errata
/// corrected in memory).
/// </summary>
public sealed class DmarcReportTests : IDisposable
{
    private static readonly DateTimeOffset Day = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
    private static readonly DmarcReporter Reporter = new("mx.example.com", "dmarc-reports@example.com");
    private static readonly PublicSuffixList Suffixes = new(["org", "net", "com", "example"]);
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-dmarc-reports-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_day_of_mail_gives_one_valid_report_per_policy_domain_with_every_message_counted()
    {
        using var history = new DmarcHistoryFile(Path.Combine(_directory, "history.jsonl"));
        var authenticator = new MessageAuthenticator(Dns(), new MessageAuthenticatorOptions { PublicSuffixes = Suffixes, CheckArc = false });
        var sent = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var hour = 0; hour < 24; hour++)
        {
            // Signed mail from example.org's own server, forgeries from elsewhere, mail of example.net, of an IDN domain.
            var (text, client, sender, policyDomain) = (hour % 4) switch
            {
                0 => (Messages.Plain, "192.0.2.3", "alice@example.org", "example.org"),
                1 => (Messages.Plain, "2001:db8::25", "alice@example.org", "example.org"),
                2 => (Messages.Plain.Replace("alice@example.org", "bob@example.net", StringComparison.Ordinal), "198.51.100.7", "bob@example.net", "example.net"),
                _ => (Messages.Plain.Replace("alice@example.org", "carol@xn--bcher-kva.example", StringComparison.Ordinal), "203.0.113.9", "carol@bücher.example", "xn--bcher-kva.example"),
            };
            var message = hour % 4 == 0 ? Messages.Signed(text, [TestKeys.RsaKey()]) : Messages.Parse(text);
            var report = await authenticator.VerifyAsync(message, new SmtpEnvelope(IPAddress.Parse(client), "mail.example", sender));
            await history.AddAsync(DmarcReportEntry.From(report, IPAddress.Parse(client), Day.AddHours(hour))!);
            sent[policyDomain] = sent.GetValueOrDefault(policyDomain) + 1;
        }

        // Outside the day: not in its reports.
        var late = await authenticator.VerifyAsync(Messages.Parse(Messages.Plain), new SmtpEnvelope(IPAddress.Parse("192.0.2.3"), "mail.example", "alice@example.org"));
        await history.AddAsync(DmarcReportEntry.From(late, IPAddress.Parse("192.0.2.3"), Day.AddDays(1))!);

        var reports = await DmarcAggregateReport.CreateAsync(history, Reporter, Day, Day.AddDays(1));

        Assert.Equal(["example.net", "example.org", "xn--bcher-kva.example"], reports.Select(r => r.PolicyDomain));
        Assert.Equal("mx.example.com!example.org!1796601600!1796688000.xml", reports[1].FileName);
        foreach (var (domain, _, xml) in reports)
        {
            var document = Validated(xml);
            var counts = document.Descendants("record").Select(r => int.Parse(r.Element("row")!.Element("count")!.Value, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(sent[domain], counts.Sum());
            Assert.Equal(domain, document.Root!.Element("policy_published")!.Element("domain")!.Value);
        }

        var org = Validated(reports[1].Xml).Descendants("record").ToList();
        Assert.Equal(2, org.Count);
        Assert.Contains(org, r => r.Element("row")!.Element("source_ip")!.Value == "192.0.2.3" && r.Descendants("dkim").First().Value == "pass"
            && r.Element("row")!.Element("count")!.Value == "6");
        Assert.Contains(org, r => r.Element("row")!.Element("source_ip")!.Value == "2001:db8:0:0:0:0:0:25" && r.Descendants("disposition").Single().Value == "reject");
    }

    [Fact]
    public async Task Sampled_out_and_ARC_overrides_are_reported_as_the_reason()
    {
        var pct = new DmarcResult(AuthResult.Fail, "example.org", "example.org", DmarcPolicy.Reject, DmarcPolicy.Quarantine, null) { Record = new(DmarcPolicy.Reject, DmarcPolicy.Reject, 50, false, false) };
        var arc = pct with { Disposition = DmarcPolicy.None, ArcOverride = "lists.example.net", Record = pct.Record! with { Percent = 100 } };
        var entries = new[] { pct, arc }.Select(d => DmarcReportEntry.From(new AuthenticationReport([], null, null, null, d), IPAddress.Parse("192.0.2.1"), Day)!).ToList();

        var xml = Validated(Assert.Single(DmarcAggregateReport.Create(entries, Reporter, Day, Day.AddDays(1))).Xml);

        Assert.Equal(["sampled_out", "local_policy"], xml.Descendants("reason").Select(r => r.Element("type")!.Value));
        Assert.Equal("arc=pass as sealed by lists.example.net", xml.Descendants("comment").Single().Value);
        Assert.Null(DmarcReportEntry.From(new AuthenticationReport([], null, null, null, null), IPAddress.Loopback, Day));
    }

    [Fact]
    public async Task The_history_file_skips_a_line_a_crash_cut_short()
    {
        var path = Path.Combine(_directory, "cut.jsonl");
        using var history = new DmarcHistoryFile(path);
        var entry = new DmarcReportEntry(Day, IPAddress.Parse("192.0.2.1"), "example.org", "example.org", "example.org", new DmarcRecord(DmarcPolicy.None, DmarcPolicy.None, 100, true, false),
            DmarcPolicy.None, true, false, null, null, [("example.org", "s", AuthResult.Pass)], ("example.org", AuthResult.SoftFail));
        await history.AddAsync(entry);
        await File.AppendAllTextAsync(path, "{\"t\": 17966", TestContext.Current.CancellationToken);
        await history.AddAsync(entry with { Time = Day.AddHours(1) });

        var read = new List<DmarcReportEntry>();
        await foreach (var e in history.ReadAsync(Day, Day.AddDays(1), TestContext.Current.CancellationToken))
            read.Add(e);

        Assert.Equal(2, read.Count);
        Assert.Equal(entry.Dkim, read[0].Dkim);
        Assert.Equal((entry.Published, entry.Spf, entry.Source), (read[0].Published, read[0].Spf, read[0].Source));
    }

    [Fact]
    public async Task AuthMilter_keeps_what_it_checks_and_its_dmarc_report_command_writes_the_days_reports()
    {
        var historyPath = Path.Combine(_directory, "auth-milter-history.jsonl");
        File.WriteAllText(Path.Combine(_directory, "suffixes.dat"), "org\nnet\n");
        var settings = new AuthSettings { AuthservId = "mx.example.com", PublicSuffixList = Path.Combine(_directory, "suffixes.dat"), DmarcHistoryFile = historyPath };
        var policy = new AuthPolicy(settings, _directory, Dns());
        await using (var services = new ServiceCollection().AddLogging().AddSingleton(policy).BuildServiceProvider())
        {
            await using var test = MilterTest.For<AuthFilter>(services);
            for (var i = 0; i < 3; i++)
                await test.SendAsync(Messages.Signed(Messages.Plain, [TestKeys.RsaKey()]), new Envelope("alice@example.org", ["bob@example.com"]) { ClientAddress = "198.51.100.7", HeloName = "mail.example.org" });
        }

        policy.History!.Dispose();
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "AuthMilter.dll"), "dmarc-report", today, _directory,
            "--AuthMilter:DmarcHistoryFile", historyPath, "--AuthMilter:AuthservId", "mx.example.com"])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, File.ReadAllLines(historyPath).Length);
        Assert.Equal(0, process.ExitCode);
        var report = Validated(File.ReadAllText(output.Trim()));
        Assert.StartsWith(Path.Combine(_directory, "mx.example.com!example.org!"), output.Trim(), StringComparison.Ordinal);
        Assert.Equal(("198.51.100.7", "3", "pass", "fail"), (report.Descendants("source_ip").Single().Value, report.Descendants("count").Single().Value,
            report.Descendants("policy_evaluated").Single().Element("dkim")!.Value, report.Descendants("policy_evaluated").Single().Element("spf")!.Value));
    }

    private static FakeDns Dns() => TestKeys.Dns()
        .Txt("_dmarc.example.org", "v=DMARC1; p=reject; rua=mailto:dmarc@example.org")
        .Txt("example.org", "v=spf1 ip4:192.0.2.0/24 -all")
        .Txt("_dmarc.example.net", "v=DMARC1; p=none; sp=quarantine; adkim=s; fo=1")
        .Txt("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=quarantine; pct=100");

    // RFC 7489 Appendix C as published, with its two errata corrected: the target namespace (its own type names do not
    // resolve in it, and reports name none) and the IP address pattern the RFC's line wrapping broke.
    internal static XDocument Validated(string xml)
    {
        var schema = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "DmarcSchema", "rfc7489-appendix-c.xsd"));
        schema.Root!.Attribute("targetNamespace")!.Remove();
        XNamespace xs = "http://www.w3.org/2001/XMLSchema";
        var pattern = schema.Descendants(xs + "pattern").Single().Attribute("value")!;
        pattern.Value = string.Concat(pattern.Value.Where(c => !char.IsWhiteSpace(c)));
        var schemas = new XmlSchemaSet();
        using (var reader = schema.CreateReader())
            schemas.Add(null, reader);
        var document = XDocument.Parse(xml);
        var errors = new List<string>();
        document.Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.True(errors.Count == 0, string.Join('\n', errors) + "\n" + xml);
        return document;
    }
}
