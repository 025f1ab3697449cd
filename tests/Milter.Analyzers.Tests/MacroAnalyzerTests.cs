namespace Milter.Analyzers.Tests;

public class MacroAnalyzerTests
{
    [Fact]
    public Task A_macro_parameter_before_the_MTA_sends_it() => Verify<MacroAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Early
        {
            [OnConnect] public void Connect([{|MILTER011:Macro("{rcpt_addr}")|}] string? rcpt, [Macro("j")] string? host) { }
            [OnMail] public void Mail([{|MILTER011:Macro("{rcpt_host}")|}] string? rcptHost, [Macro("{auth_authen}")] string? user) { }
            [OnRcpt] public void Rcpt([Macro("{rcpt_addr}")] string? rcpt, [Macro("{mail_addr}")] string? sender) { }
        }
        """);

    [Fact]
    public Task Reading_macros_from_the_context() => Verify<MacroAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Reader
        {
            [OnHelo] public void Helo(MilterContext context) => _ = context.Macros[{|MILTER011:"{mail_addr}"|}];

            // The [Macro] parameter makes this filter request its own RCPT list, which replaces the MTA's defaults.
            [OnRcpt]
            public void Rcpt(MilterContext context, [Macro("{auth_authen}")] string? user)
            {
                _ = context.Macros[{|MILTER012:"{rcpt_addr}"|}];
                _ = context.Macros["{auth_authen}"];
                _ = context.Macros["i"];
                _ = context.Macros["{mail_addr}"];
                _ = context.Macros["{custom}"];
            }

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message) => message.Macros["{rcpt_addr}"] is null ? MilterVerdict.Continue : MilterVerdict.Accept;
        }
        """);

    [Fact]
    public Task Without_an_own_list_the_MTA_defaults_apply_and_nothing_is_reported() => Verify<MacroAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Reader
        {
            [OnRcpt] public void Rcpt(MilterContext context) => _ = context.Macros["{rcpt_addr}"];
        }
        """);
}
