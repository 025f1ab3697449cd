namespace Milter.Analyzers.Tests;

public class VerdictAnalyzerTests
{
    [Fact]
    public Task Skip_outside_the_body_handler() => Verify<VerdictAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Scanner
        {
            [OnHeader] public MilterVerdict Header(string name, string value) => {|MILTER007:MilterVerdict.Skip|};
            [OnBody] public MilterVerdict Body(ReadOnlyMemory<byte> chunk) => chunk.Length > 10 ? MilterVerdict.Skip : MilterVerdict.Continue;
            public MilterVerdict Helper() => MilterVerdict.Skip;
        }
        """);

    [Fact]
    public Task Constant_replies_that_break_the_rules() => Verify<VerdictAnalyzer>.AnalyzerAsync("""
        public static class Replies
        {
            public static readonly MilterVerdict A = {|MILTER008:MilterVerdict.Reject(451, "4.7.1", "temporary code in a reject")|};
            public static readonly MilterVerdict B = {|MILTER008:MilterVerdict.Tempfail(550, null, "permanent code in a tempfail")|};
            public static readonly MilterVerdict C = {|MILTER008:MilterVerdict.Reject(550, "4.7.1", "class does not match")|};
            public static readonly MilterVerdict D = {|MILTER008:MilterVerdict.Reject(550, "5.7", "malformed")|};
            public static readonly MilterVerdict E = {|MILTER008:MilterVerdict.Reject(550, "5.7.1", "two\r\nlines")|};
            public static readonly SmtpReply F = {|MILTER008:SmtpReply.Create(250, null, "not an error code")|};
            public static readonly MilterVerdict H = {|MILTER008:MilterVerdict.Tempfail(extendedCode: "5.7.1", code: 451, lines: "class read by name")|};
            public static readonly MilterVerdict I = {|MILTER008:MilterVerdict.Reject(extendedCode: "2.0.0", code: 250, lines: "success")|};
            public static readonly MilterVerdict J = {|MILTER008:MilterVerdict.Reject(550, "5.7.1", ["line\r\nline"])|};
            public static readonly MilterVerdict K = {|MILTER008:MilterVerdict.Reject(550, "5.7.1", [])|};
            public static readonly SmtpReply L = {|MILTER008:SmtpReply.Create(lines: ["ok"], extendedCode: "4.2.0", code: 550)|};
            public static readonly MilterVerdict M = {|MILTER008:MilterVerdict.Reject(550, "5.7.1", new string[0])|};
            public static readonly MilterVerdict G = {|MILTER008:MilterVerdict.Reject(550, null, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "A", "B", "C", "D", "E", "F", "G")|};
        }
        """);

    [Fact]
    public Task Good_and_non_constant_replies_are_silent() => Verify<VerdictAnalyzer>.AnalyzerAsync("""
        public static class Replies
        {
            public static readonly MilterVerdict A = MilterVerdict.Reject(550, "5.7.1", "Blocked: 100% sure", "See https://example.org");
            public static readonly MilterVerdict B = MilterVerdict.Tempfail(421, "4.3.2", "Shutting down");
            public static MilterVerdict C(int code, string text) => MilterVerdict.Reject(code, null, text);
            public static readonly MilterVerdict D = MilterVerdict.Tempfail(extendedCode: "4.7.1", code: 451, lines: "Try later");
            public static readonly MilterVerdict E = MilterVerdict.Reject(550, "5.7.1", ["Blocked", "See https://example.org"]);
            public static MilterVerdict F(string[] more) => MilterVerdict.Reject(550, "5.7.1", ["Blocked", .. more]);
        }
        """);
}
