namespace Milter.Analyzers.Tests;

public class BlockingCallAnalyzerTests
{
    [Fact]
    public Task Blocking_calls_in_async_handlers() => Verify<BlockingCallAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Slow
        {
            private static Task<bool> CheckAsync(string a) => Task.FromResult(true);
            private static ValueTask FlushAsync() => ValueTask.CompletedTask;

            [OnRcpt]
            public async Task<MilterVerdict> Rcpt(string address)
            {
                var ok = {|MILTER013:CheckAsync(address).Result|};
                {|MILTER013:Task.Delay(1).Wait()|};
                {|MILTER013:Thread.Sleep(1)|};
                _ = {|MILTER013:CheckAsync(address).GetAwaiter().GetResult()|};
                {|MILTER013:FlushAsync().GetAwaiter().GetResult()|};
                {|MILTER013:FlushAsync().ConfigureAwait(false).GetAwaiter().GetResult()|};
                _ = {|MILTER013:new ValueTask<int>(1).GetAwaiter().GetResult()|};
                await Task.Yield();
                return ok ? MilterVerdict.Continue : MilterVerdict.Reject();
            }
        }
        """);

    [Fact]
    public Task Synchronous_handlers_and_other_methods_are_silent() => Verify<BlockingCallAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Slow
        {
            [OnRcpt] public MilterVerdict Rcpt(string address) { Thread.Sleep(1); return MilterVerdict.Continue; }
            public async Task NotAHandler() { Thread.Sleep(1); await Task.Yield(); }
        }
        """);
}
