using System.Globalization;
using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>What the messages say: each malformed form in its own words, and replies described as they are.</summary>
public class DiagnosticMessageTests
{
    private static async Task<string> OnlyMessageAsync(string source, string id)
    {
        var result = await Pipeline.RunAsync(source);
        var diagnostic = Assert.Single(result.Milter);
        Assert.Equal(id, diagnostic.Id);
        return diagnostic.GetMessage(CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("", "the name is empty")]
    [InlineData("{auth_authen", "the opening brace is never closed")]
    [InlineData("{}", "the braces are empty")]
    [InlineData("{{x}}", "braces cannot be nested or repeated")]
    [InlineData("{a}b", "text follows the closing brace")]
    [InlineData("auth authen", "it contains a space")]
    [InlineData("{auth-authen}", "'-' is not allowed")]
    [InlineData("auth_authen", "a name longer than one character goes in braces ({auth_authen})")]
    [InlineData("a}", "braces must enclose the whole name")]
    [InlineData("%", "'%' is not a letter, digit or underscore")]
    public async Task Each_malformed_macro_name_has_its_own_message(string name, string expected)
    {
        var message = await OnlyMessageAsync($$"""
            [MailFilter]
            public partial class Stamp
            {
                [OnRcpt] public void Rcpt([Macro("{{name}}")] string? value) { }
            }
            """, "MILTER019");

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lookup_may_leave_out_the_braces_but_not_misuse_them()
    {
        var result = await Pipeline.RunAsync("""
            [MailFilter]
            public partial class Stamp
            {
                [OnEndOfMessage]
                public MilterVerdict End(EndOfMessageContext message)
                {
                    _ = message.Macros["auth_authen"];
                    _ = message.Macros["{auth_authen"];
                    return MilterVerdict.Accept;
                }
            }
            """);

        var bad = Assert.Single(result.Milter);
        Assert.Equal("MILTER019", bad.Id);
        Assert.Contains("never closed", bad.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MilterVerdict.Reject(550, \"2.0.0\", \"x\")", "enhanced status code 2.0.0 has class 2, which a milter reply cannot have; its class must be 5")]
    [InlineData("MilterVerdict.Reject(599, \"5.0.0\", \"x\")", "code 599 is not an SMTP reply code: its second digit must be 0 to 5")]
    [InlineData("SmtpReply.Create(250, null, \"x\")", "code 250 cannot be sent: a milter only rejects (5xx) or tempfails (4xx)")]
    [InlineData("MilterVerdict.Reject(550, \"5.7\", \"x\")", "enhanced status code \"5.7\" is malformed")]
    [InlineData("MilterVerdict.Tempfail(451, \"5.7.1\", \"x\")", "enhanced status code 5.7.1 does not match reply code 451; its class must be 4")]
    public async Task Reply_problems_are_described_as_they_are(string reply, string expected)
    {
        var message = await OnlyMessageAsync($"public static class Replies {{ public static readonly object R = {reply}; }}", "MILTER008");

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_incomplete_class_says_why()
    {
        var message = await OnlyMessageAsync("""
            [MailFilter]
            public partial class Stamp
            {
                public Stamp(Span<byte> buffer) { }
            }
            """, "MILTER020");

        Assert.Contains("parameter 'buffer' (System.Span<byte>) cannot come from a service provider", message, StringComparison.Ordinal);
    }
}
