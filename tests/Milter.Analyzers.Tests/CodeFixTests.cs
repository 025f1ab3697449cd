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
