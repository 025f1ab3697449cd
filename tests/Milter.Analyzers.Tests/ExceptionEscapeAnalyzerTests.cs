namespace Milter.Analyzers.Tests;

/// <summary>Code in a filter whose exception would leave the session and end the process.</summary>
public class ExceptionEscapeAnalyzerTests
{
    [Fact]
    public Task Async_void_methods_local_functions_and_lambdas() => Verify<ExceptionEscapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            public event EventHandler? Changed;

            [OnRcpt]
            public MilterVerdict Rcpt(string address)
            {
                Log(address);
                async {|MILTER015:void|} Local() => await Task.Yield();
                Local();
                new List<string> { address }.ForEach({|MILTER015:async x => await Task.Delay(1)|});
                Changed += {|MILTER015:async (_, _) => await Task.Yield()|};
                Func<Task> fine = async () => await Task.Yield();
                return MilterVerdict.Continue;
            }

            private async {|MILTER015:void|} Log(string address) => await Task.Yield();

            private async Task Awaitable() => await Task.Yield();
        }

        public class NotAFilter
        {
            public async void Elsewhere() => await Task.Yield();
        }
        """);

    [Fact]
    public Task Callbacks_on_threads_that_do_not_catch_everything() => Verify<ExceptionEscapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            private Timer? _timer;

            [OnConnect]
            public void Connect()
            {
                ThreadPool.QueueUserWorkItem({|MILTER016:_ => Work()|});
                _timer = new Timer({|MILTER016:_ => Work()|}, null, 1000, Timeout.Infinite);
                new Thread({|MILTER016:Work|}).Start();
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    try
                    {
                        Work();
                    }
                    catch (Exception)
                    {
                        // logged elsewhere
                    }
                });
            }

            private static void Work() { }
        }
        """);
}
