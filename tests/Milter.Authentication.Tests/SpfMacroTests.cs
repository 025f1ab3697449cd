using System.Net;

namespace Milter.Authentication.Tests;

/// <summary>The examples of RFC 7208 7.4, expanded.</summary>
public class SpfMacroTests
{
    private static SpfContext Context(string address) => new(IPAddress.Parse(address), "strong-bad@email.example.com", "strong-bad",
        "email.example.com", "email.example.com", "mx.example.org", "mx.receiver.example", DateTimeOffset.FromUnixTimeSeconds(1700000000),
        () => ValueTask.FromResult("unknown"));

    [Theory]
    [InlineData("%{s}", "strong-bad@email.example.com")]
    [InlineData("%{o}", "email.example.com")]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    [InlineData("%{h}.%%.%_.%-", "mx.example.org.%. .%20")]
    public async Task IPv4_examples(string macro, string expected)
    {
        Assert.Equal(expected, await SpfMacro.ExpandAsync(macro, Context("192.0.2.3"), explanation: false));
    }

    [Fact]
    public async Task IPv6_example()
    {
        // RFC 7208 7.4 writes the nibbles in lower case, the suite in upper case (SpfSuiteTests): one DNS name.
        Assert.Equal("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
            await SpfMacro.ExpandAsync("%{ir}.%{v}._spf.%{d2}", Context("2001:db8::cb01"), explanation: false), ignoreCase: true);
        Assert.StartsWith("1.0.B.C.", await SpfMacro.ExpandAsync("%{ir}", Context("2001:db8::cb01"), explanation: true), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explanation_letters_and_URL_encoding()
    {
        var context = Context("192.0.2.3");

        Assert.Equal("192.0.2.3 1700000000 mx.receiver.example", await SpfMacro.ExpandAsync("%{c} %{t} %{r}", context, explanation: true));
        Assert.Equal("strong-bad%40email.example.com", await SpfMacro.ExpandAsync("%{S}", context, explanation: true));
        Assert.False(SpfMacro.IsValidDomainSpec("%{c}.example.org"));
    }

    [Fact]
    public async Task A_domain_longer_than_253_characters_loses_labels_on_the_left()
    {
        var long63 = new string('a', 63);
        var context = Context("192.0.2.3") with { LocalPart = string.Join('.', Enumerable.Repeat(long63, 4)) };

        var expanded = await SpfMacro.ExpandAsync("%{l}.example.com", context, explanation: false);

        Assert.True(expanded.Length <= 253);
        Assert.EndsWith(".example.com", expanded);
    }
}
