using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Milter.Analyzers.Tests;

public class EsmtpArgumentAnalyzerTests
{
    [Fact]
    public Task Malformed_and_unknown_constants_are_errors() => Verify<EsmtpArgumentAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Rewrite
        {
            private const string Unknown = "XFOO=1";

            [OnEndOfMessage]
            public void End(EndOfMessageContext message)
            {
                message.ChangeSender("<a@example.org>", {|MILTER022:"RET=FULL =bad"|});
                message.ChangeSender("<a@example.org>", {|MILTER022:"RET=A=B"|});
                message.ChangeSender("<a@example.org>", {|MILTER022:Unknown|});
                message.AddRecipient("<b@example.org>", {|MILTER022:"XFOO=1"|});
                message.AddRecipient("<b@example.org>", {|MILTER022:"RET=FULL"|});
                message.AddRecipient("<b@example.org>", {|MILTER022:"NOTIFY=SOMETIMES"|});
                message.ChangeSender("<a@example.org>", {|MILTER022:"RET=ALL"|});
                message.AddRecipient("<b@example.org>", {|MILTER022:"ORCPT=user@example.org"|});
            }
        }
        """);

    [Fact]
    public Task Named_and_reordered_arguments_are_found_by_name() => Verify<EsmtpArgumentAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Rewrite
        {
            [OnEndOfMessage]
            public void End(EndOfMessageContext message)
            {
                message.AddRecipient(esmtpArguments: {|MILTER022:"XFOO"|}, recipient: "<b@example.org>");
                message.ChangeSender(esmtpArguments: {|MILTER022:"NOTIFY=NEVER"|}, sender: "<a@example.org>");
                message.ChangeSender(sender: "RET=NONSENSE", esmtpArguments: "RET=HDRS");
            }
        }
        """);

    [Fact]
    public Task Arguments_only_Sendmail_keeps_are_warnings() => Verify<EsmtpArgumentAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Rewrite
        {
            [OnEndOfMessage]
            public void End(EndOfMessageContext message)
            {
                message.ChangeSender("<a@example.org>", {|#0:"BODY=8BITMIME"|});
                message.ChangeSender("<a@example.org>", {|#1:"RET=HDRS SMTPUTF8"|});
                message.ChangeSender("<a@example.org>", {|MILTER022:"SIZE=1000 BODY=9BIT"|});
            }
        }
        """,
        new DiagnosticResult("MILTER022", DiagnosticSeverity.Warning).WithLocation(0)
            .WithArguments("ChangeSender", "BODY=8BITMIME", "is kept only by Sendmail: behind Postfix the runtime throws ArgumentException (Postfix would drop it with a warning in its log)"),
        new DiagnosticResult("MILTER022", DiagnosticSeverity.Warning).WithLocation(1)
            .WithArguments("ChangeSender", "SMTPUTF8", "is kept only by Sendmail: behind Postfix the runtime throws ArgumentException (Postfix would drop it with a warning in its log)"));

    [Fact]
    public Task Valid_empty_and_non_constant_arguments_are_silent() => Verify<EsmtpArgumentAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Rewrite
        {
            private string _arguments = "XFOO=1";

            [OnEndOfMessage]
            public void End(EndOfMessageContext message)
            {
                message.ChangeSender("<a@example.org>", "RET=FULL ENVID=QQ314159");
                message.ChangeSender("<a@example.org>", "ret=hdrs envid=a+2Bb");
                message.AddRecipient("<b@example.org>", "NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;b@example.org");
                message.AddRecipient("<b@example.org>", "NOTIFY=NEVER");
                message.ChangeSender("<a@example.org>");
                message.ChangeSender("<a@example.org>", null);
                message.AddRecipient("<b@example.org>", "");
                message.AddRecipient("<b@example.org>", "  ");
                message.AddRecipient("<b@example.org>");
                message.AddRecipient("<b@example.org>", _arguments);
                message.ChangeSender("<a@example.org>", "RET=" + _arguments);
            }
        }
        """);
}
