using Milter.Analyzers.CodeFixes;

namespace Milter.Analyzers.Tests;

public class CodeFixTests
{
    [Fact]
    public Task Make_the_class_and_its_container_partial() => Verify<FilterShapeAnalyzer>.CodeFixAsync<MakePartialCodeFix>("""
        public static class Outer
        {
            [MailFilter]
            internal sealed class {|MILTER001:Stamp|}
            {
            }
        }
        """, """
        public static partial class Outer
        {
            [MailFilter]
            internal sealed partial class Stamp
            {
            }
        }
        """);

    [Fact]
    public Task Change_the_return_type_to_an_allowed_one() => Verify<FilterShapeAnalyzer>.CodeFixAsync<ChangeReturnTypeCodeFix>("""
        [MailFilter]
        public partial class Stamp
        {
            [OnRcpt] public {|MILTER002:object|} Rcpt(Recipient r) => MilterVerdict.Continue;
            [OnAbort] public {|MILTER002:MilterVerdict|} Abort() => Reset();
            private MilterVerdict Reset() => MilterVerdict.Continue;
        }
        """, """
        [MailFilter]
        public partial class Stamp
        {
            [OnRcpt] public MilterVerdict Rcpt(Recipient r) => MilterVerdict.Continue;
            [OnAbort] public void Abort() => Reset();
            private MilterVerdict Reset() => MilterVerdict.Continue;
        }
        """);

    [Fact]
    public Task Await_instead_of_blocking() => Verify<BlockingCallAnalyzer>.CodeFixAsync<AwaitInsteadOfBlockingCodeFix>("""
        [MailFilter]
        public partial class Slow
        {
            private static Task<bool> CheckAsync() => Task.FromResult(true);

            [OnRcpt]
            public async Task<MilterVerdict> Rcpt(string address)
            {
                var ok = {|MILTER013:CheckAsync().Result|};
                {|MILTER013:Thread.Sleep(5)|};
                {|MILTER013:Task.Delay(1).Wait()|};
                return ok ? MilterVerdict.Continue : MilterVerdict.Reject();
            }
        }
        """, """
        [MailFilter]
        public partial class Slow
        {
            private static Task<bool> CheckAsync() => Task.FromResult(true);

            [OnRcpt]
            public async Task<MilterVerdict> Rcpt(string address)
            {
                var ok = await CheckAsync();
                await Task.Delay(5);
                await Task.Delay(1);
                return ok ? MilterVerdict.Continue : MilterVerdict.Reject();
            }
        }
        """);
}

public class NewCodeFixTests
{
    [Fact]
    public Task An_async_void_handler_returns_ValueTask() => Verify<FilterShapeAnalyzer>.CodeFixAsync<AsyncVoidCodeFix>("""
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public async {|MILTER015:void|} End(EndOfMessageContext message) => await Task.Yield();
        }
        """, """
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public async ValueTask End(EndOfMessageContext message) => await Task.Yield();
        }
        """);

    [Fact]
    public Task An_async_void_helper_returns_Task() => Verify<ExceptionEscapeAnalyzer>.CodeFixAsync<AsyncVoidCodeFix>("""
        [MailFilter]
        public partial class Stamp
        {
            [OnHelo] public void Helo(string name) { }

            private async {|MILTER015:void|} Log() => await Task.Yield();

            private void Run()
            {
                async {|MILTER015:void|} Local() => await Task.Yield();
                Local();
            }
        }
        """, """
        [MailFilter]
        public partial class Stamp
        {
            [OnHelo] public void Helo(string name) { }

            private async Task Log() => await Task.Yield();

            private void Run()
            {
                async Task Local() => await Task.Yield();
                Local();
            }
        }
        """);

    [Fact]
    public Task The_enhanced_code_takes_the_reply_code_class() => Verify<VerdictAnalyzer>.CodeFixAsync<EnhancedCodeClassCodeFix>("""
        public static class Replies
        {
            public static readonly MilterVerdict A = {|MILTER008:MilterVerdict.Reject(550, "4.7.1", "wrong class")|};
            public static readonly MilterVerdict B = {|MILTER008:MilterVerdict.Tempfail(451, "2.0.0", "success class")|};
            public static readonly MilterVerdict C = {|MILTER008:MilterVerdict.Tempfail(extendedCode: "5.7.1", code: 451, lines: ["named, out of order"])|};
        }
        """, """
        public static class Replies
        {
            public static readonly MilterVerdict A = MilterVerdict.Reject(550, "5.7.1", "wrong class");
            public static readonly MilterVerdict B = MilterVerdict.Tempfail(451, "4.0.0", "success class");
            public static readonly MilterVerdict C = MilterVerdict.Tempfail(extendedCode: "4.7.1", code: 451, lines: ["named, out of order"]);
        }
        """);

    [Fact]
    public Task UsesActions_goes_on_the_method_that_hands_the_context_on() => Verify<MessageChangeAnalyzer>.CodeFixAsync<UsesActionsCodeFix>("""
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                Helper.Pass(message);
                return MilterVerdict.Accept;
            }
        }

        public static class Helper
        {
            public static void Pass(EndOfMessageContext message)
            {
                {|MILTER017:Lib.Apply(message)|};
            }
        }
        """, """
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                Helper.Pass(message);
                return MilterVerdict.Accept;
            }
        }

        public static class Helper
        {
            [UsesActions(ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.ChangeBody | ActionFlags.AddRecipients | ActionFlags.AddRecipientsWithParameters | ActionFlags.DeleteRecipients | ActionFlags.ChangeSender | ActionFlags.Quarantine)]
            public static void Pass(EndOfMessageContext message)
            {
                Lib.Apply(message);
            }
        }
        """, Support.Pipeline.Library("public static class Lib { public static void Apply(EndOfMessageContext m) { } }"));
}
