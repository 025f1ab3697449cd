using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Milter.Authentication;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>Milter.Authentication against a real authoritative DNS server (Knot) serving the test domains.</summary>
[Collection(MailDns.Collection)]
public sealed class AuthenticationDnsTests(MailDns dns)
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.3");

    private DnsResolver Resolver(TimeSpan? timeout = null)
    {
        if (dns.Unavailable is { } reason)
            Assert.Skip(reason);
        return new DnsResolver(new DnsResolverOptions { Servers = { dns.Server }, Timeout = timeout ?? TimeSpan.FromSeconds(2) });
    }

    [Theory]
    [InlineData("pass.spf.test", AuthResult.Pass)]
    [InlineData("fail.spf.test", AuthResult.Fail)]
    [InlineData("soft.spf.test", AuthResult.SoftFail)]
    [InlineData("mx.spf.test", AuthResult.Pass)]
    [InlineData("macro.spf.test", AuthResult.Pass)]
    [InlineData("big.spf.test", AuthResult.Pass)]
    [InlineData("nothing.spf.test", AuthResult.None)]
    [InlineData("loop.spf.test", AuthResult.PermError)]
    [InlineData("many.spf.test", AuthResult.PermError)]
    [InlineData("void.spf.test", AuthResult.PermError)]
    [InlineData("two.spf.test", AuthResult.PermError)]
    [InlineData("servfail.spf.test", AuthResult.TempError)]
    [InlineData("x.broken.test", AuthResult.TempError)]
    public async Task SPF_gives_the_RFC_result_for_each_record(string domain, AuthResult expected)
    {
        var result = await new SpfChecker().CheckMailFromAsync(Client, $"user@{domain}", "client.example", Resolver());

        Assert.True(expected == result.Result, $"{domain}: {result.Result} ({result.Reason})");
    }

    [Fact]
    public async Task A_record_longer_than_a_UDP_answer_comes_whole_over_TCP()
    {
        var answer = await Resolver().TxtAsync("big.spf.test");

        Assert.Equal(MailDns.BigSpfRecord, Assert.Single(answer.Records));
        Assert.True(MailDns.BigSpfRecord.Length > 3000);
    }

    [Fact]
    public async Task Names_that_do_not_exist_have_no_data_or_are_SERVFAIL_answer_as_such()
    {
        var resolver = Resolver();

        Assert.Equal(DnsResultCode.NameError, (await resolver.TxtAsync("nothing.here.test")).Code);
        Assert.Equal(DnsResultCode.NoData, (await resolver.MxAsync("pass.spf.test")).Code);
        var servfail = await resolver.TxtAsync("x.broken.test");
        Assert.Equal(DnsResultCode.TemporaryFailure, servfail.Code);
        Assert.Contains("ServerFailure", servfail.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_temporary_failure_within_the_timeout()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var resolver = new DnsResolver(new DnsResolverOptions { Servers = { silent.LocalEndPoint!.ToString()! }, Timeout = TimeSpan.FromMilliseconds(300), Attempts = 2 });
        var clock = Stopwatch.StartNew();

        var answer = await resolver.TxtAsync("pass.spf.test");
        var spf = await new SpfChecker().CheckMailFromAsync(Client, "user@pass.spf.test", "client.example", resolver);

        Assert.Equal(DnsResultCode.TemporaryFailure, answer.Code);
        Assert.Equal(AuthResult.TempError, spf.Result);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_message_budget_ends_every_lookup_once_spent()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var slow = new DnsResolver(new DnsResolverOptions { Servers = { silent.LocalEndPoint!.ToString()! }, Timeout = TimeSpan.FromSeconds(10) });
        using var budget = new DnsBudget(slow, TimeSpan.FromMilliseconds(400));
        var clock = Stopwatch.StartNew();

        var first = await budget.TxtAsync("pass.spf.test");
        var second = await budget.TxtAsync("fail.spf.test");

        Assert.Equal(DnsResultCode.TemporaryFailure, first.Code);
        Assert.Contains("budget", second.Error, StringComparison.Ordinal);
        Assert.True(budget.IsSpent);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Answers_are_cached_for_their_TTL()
    {
        var resolver = Resolver();
        var first = await resolver.TxtAsync("pass.spf.test");
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
            Assert.Equal(first.Records, (await resolver.TxtAsync("pass.spf.test")).Records);

        // A thousand round trips to a server would take far longer than reading a cache.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
    }

    [Theory]
    [InlineData("revoked", "key revoked")]
    [InlineData("huge", "over 4096")]
    [InlineData("missing", "no key")]
    public async Task Key_records_that_cannot_be_used_are_permerror(string selector, string reason)
    {
        var message = Sign(selector);

        var result = Assert.Single(await new DkimVerification().VerifyAsync(message, Resolver()));

        Assert.Equal(AuthResult.PermError, result.Result);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_served_by_DNS_verify_and_DMARC_applies_the_domains_policy()
    {
        var resolver = Resolver();
        var signed = Sign("rsa");
        var forged = MimeKit.MimeMessage.Load(new MemoryStream("From: <a@ours.test>\r\nSubject: forged\r\n\r\nbody\r\n"u8.ToArray()));
        if (!File.Exists(PublicSuffixList.DebianPath))
            Assert.Skip("Debian's publicsuffix package is not installed (apt-get install publicsuffix)");
        var dmarc = new DmarcEvaluation(PublicSuffixList.Load());

        var dkim = await new DkimVerification().VerifyAsync(signed, resolver);
        var pass = await dmarc.EvaluateAsync(signed, dkim, null, resolver);
        var fail = await dmarc.EvaluateAsync(forged, [], null, resolver);

        Assert.Equal(AuthResult.Pass, Assert.Single(dkim).Result);
        Assert.Equal(AuthResult.Pass, pass.Result);
        Assert.Equal((AuthResult.Fail, DmarcPolicy.Reject), (fail.Result, fail.Disposition));
    }

    private MimeKit.MimeMessage Sign(string selector)
    {
        if (dns.Unavailable is { } reason)
            Assert.Skip(reason);
        var key = DkimSigningKey.Load("ours.test", selector, Path.Combine(dns.KeyDirectory, "ours-rsa.private"));
        var message = MimeKit.MimeMessage.Load(new MemoryStream("From: <a@ours.test>\r\nTo: <b@example.net>\r\nSubject: hi\r\n\r\nbody\r\n"u8.ToArray()));
        message.Headers.Insert(0, new DkimSigning().Sign(message, [key])[0]);
        return message;
    }
}
