namespace Milter.Analyzers.Tests;

public class MessageChangeAnalyzerTests
{
    [Fact]
    public Task Changes_in_the_end_of_message_handler_and_its_helpers_are_silent() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public async ValueTask<MilterVerdict> End(EndOfMessageContext message)
            {
                message.AddHeader("X-A", "1");
                Rewrite(message);
                Action now = () => message.Quarantine("now");
                now();
                await message.SendProgressAsync();
                return MilterVerdict.Accept;
            }

            private static void Rewrite(EndOfMessageContext message) => Deeper(message);
            private static void Deeper(EndOfMessageContext message) => message.ChangeSender("<a@b>");
        }
        """);

    [Fact]
    public Task A_helper_called_from_another_handler_is_reported_at_that_call() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            private EndOfMessageContext? _last;

            [OnHeader]
            public void Header(string name, string value)
            {
                if (_last is not null)
                    {|MILTER009:Rewrite(_last)|};
            }

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                Rewrite(message);
                return MilterVerdict.Accept;
            }

            private static void Rewrite(EndOfMessageContext message) => message.AddHeader("X-A", "1");
        }
        """);

    [Fact]
    public Task A_context_kept_in_a_field_and_used_later() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            private EndOfMessageContext? _kept;

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                _kept = message;
                return MilterVerdict.Accept;
            }

            [OnMail]
            public void Mail(string address) => {|MILTER009:_kept?.AddHeader("X-Late", "too late")|};
        }
        """);

    [Fact]
    public Task A_lambda_that_runs_later() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                _ = Task.Run(() => {|MILTER009:message.AddRecipient("<late@example.org>")|});
                return MilterVerdict.Accept;
            }
        }
        """);

    [Fact]
    public Task Progress_outside_end_of_message() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Slow
        {
            private EndOfMessageContext? _kept;

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                _kept = message;
                return MilterVerdict.Accept;
            }

            [OnAbort]
            public async Task Abort()
            {
                if (_kept is not null)
                    await {|MILTER010:_kept.SendProgressAsync()|};
            }
        }
        """);
}

public class ActionNegotiationTests
{
    [Fact]
    public Task Changes_not_covered_by_explicit_actions() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter(InferActions = false, ExtraActions = ActionFlags.AddHeaders | ActionFlags.AddRecipients)]
        public partial class Explicit
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                message.AddHeader("X-A", "1");
                message.AddRecipient("<a@b>");
                {|MILTER014:message.AddRecipient("<c@d>", "NOTIFY=NEVER")|};
                {|MILTER014:message.Quarantine("why")|};
                new List<string> { "<a@b>" }.ForEach({|MILTER014:message.DeleteRecipient|});
                message.AddRecipient(esmtpArguments: null, recipient: "<e@f>");
                return MilterVerdict.Accept;
            }
        }

        [MailFilter]
        public partial class Inferred
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message) { message.Quarantine("why"); return MilterVerdict.Accept; }
        }
        """);
}

/// <summary>
/// Delegates that run before the handler returns are legal; those stored, subscribed, scheduled or handed to code that
/// may keep them are reported: an error when they certainly run later (MILTER009/010), a warning when they may (MILTER018).
/// </summary>
public class DeferredChangeTests
{
    [Fact]
    public Task Delegates_run_before_the_handler_returns_are_silent() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            private readonly Action<EndOfMessageContext> _stamp = m => m.AddHeader("X-Field", "1");

            [OnEndOfMessage]
            public async Task<MilterVerdict> End(EndOfMessageContext message)
            {
                var names = new List<string> { "a", "b" };
                names.ForEach(x => message.AddHeader("X-" + x, "1"));
                Array.ForEach(names.ToArray(), x => message.AddHeader("X-Array", x));
                var added = names.Select(x => { message.AddRecipient($"<{x}@example.org>"); return x; }).ToList();
                await Task.Run(() => message.AddHeader("X-Awaited", "1"));
                await Task.Run(() => message.ChangeSender("<s@example.org>")).ConfigureAwait(false);
                var later = Task.Run(() => message.DeleteRecipient("<a@example.org>"));
                await Task.WhenAll(later);
                Retry(() => message.Quarantine("checked"));
                void Local() => message.AddHeader("X-Local", "1");
                Local();
                _stamp(message);
                await Task.Run(Send);
                return MilterVerdict.Accept;

                void Send() => message.ChangeHeader("Subject", "s");
            }

            [OnBody]
            public Task<MilterVerdict> Body(ReadOnlyMemory<byte> chunk) => Task.FromResult(MilterVerdict.Continue);

            private static void Retry(Action action)
            {
                for (var i = 0; i < 2; i++)
                    action();
            }
        }
        """);

    [Fact]
    public Task A_task_started_from_the_handler_and_returned_is_awaited_by_the_runtime() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public Task<MilterVerdict> End(EndOfMessageContext message) =>
                Task.Run(() => { message.AddHeader("X-Returned", "1"); return MilterVerdict.Accept; });
        }
        """);

    [Fact]
    public Task Scheduled_work_nothing_waits_for_is_an_error() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                Task.Run(() => {|MILTER009:message.AddHeader("X-Forgotten", "1")|});
                _ = Task.Factory.StartNew(() => {|MILTER009:message.Quarantine("late")|});
                ThreadPool.QueueUserWorkItem(_ => {|MILTER009:message.ChangeSender("<late@example.org>")|});
                _ = Task.Run(() => {|MILTER010:message.SendProgressAsync()|});
                void Late() => {|MILTER009:message.DeleteRecipient("<a@b>")|};
                _ = Task.Run(Late);
                return MilterVerdict.Accept;
            }
        }
        """);

    [Fact]
    public Task A_method_group_handed_to_Task_Run() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            private EndOfMessageContext? _current;

            [OnEndOfMessage]
            public async ValueTask<MilterVerdict> End(EndOfMessageContext message)
            {
                _current = message;
                _ = Task.Run({|MILTER009:Stamped|});
                await Task.Run(Stamped);
                return MilterVerdict.Accept;
            }

            private void Stamped() => {|MILTER018:_current!.AddHeader("X-Stamped", "1")|};
        }
        """);

    [Fact]
    public Task Delegates_kept_subscribed_or_handed_to_unknown_code_are_warnings() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        public sealed class Clock
        {
            public event EventHandler? Tick;
            public static void Later(Action action) => Saved = action;
            public static Action? Saved;
        }

        [MailFilter]
        public partial class Stamp
        {
            private Action? _later;
            private readonly Clock _clock = new();

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                _later = () => {|MILTER018:message.AddHeader("X-Kept", "1")|};
                _clock.Tick += (_, _) => {|MILTER018:message.AddHeader("X-Subscribed", "1")|};
                Clock.Later(() => {|MILTER018:message.Quarantine("handed on")|});
                void Stored() => {|MILTER018:message.ChangeSender("<s@b>")|};
                _later = Stored;
                new Thread(() => {|MILTER018:message.AddRecipient("<t@b>")|}).Start();
                return MilterVerdict.Accept;
            }
        }
        """);

    [Fact]
    public Task A_library_helper_given_a_context_kept_in_a_field_from_another_handler() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        public static class Helpers
        {
            public static void Stamp(EndOfMessageContext message) => message.AddHeader("X-Helper", "1");
        }

        [MailFilter]
        public partial class Stamp
        {
            private EndOfMessageContext? _kept;

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                _kept = message;
                Helpers.Stamp(message);
                return MilterVerdict.Accept;
            }

            [OnMail]
            public void Mail(string sender)
            {
                if (_kept is not null)
                    {|MILTER009:Helpers.Stamp(_kept)|};
            }

            [OnClose]
            public void Close() => {|MILTER009:new Rewriter(_kept!)|};

            private void NotAHandler() => {|MILTER018:Helpers.Stamp(_kept!)|};
        }

        public sealed class Rewriter
        {
            public Rewriter(EndOfMessageContext message) => message.Quarantine("constructed");
        }
        """);

    [Fact]
    public Task Changes_that_run_after_the_handler_returned_in_todays_idioms_are_reported() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            private Action<string, string>? _add;
            private Action<string>? _drop;

            [OnEndOfMessage]
            public async Task<MilterVerdict> End(EndOfMessageContext message)
            {
                _add = {|MILTER018:message.AddHeader|};
                _drop ??= {|MILTER018:message.DeleteRecipient|};
                await Task.Factory.StartNew(async () => { await Task.Delay(50); {|MILTER009:message.AddHeader("X-Late", "1")|}; });
                ThreadPool.QueueUserWorkItem(static m => {|MILTER009:m.AddHeader("X-Pool", "1")|}, message, preferLocal: false);
                _ = {|MILTER009:AuditAsync(message)|};
                {|MILTER009:AuditAsync(message)|};
                _ = {|MILTER009:StartAudit(message)|};
                return MilterVerdict.Accept;
            }

            [OnClose]
            public void Close()
            {
                {|MILTER009:_add?.Invoke("X-Closed", "1")|};
                {|MILTER009:_drop!("<a@b>")|};
            }

            private static async Task AuditAsync(EndOfMessageContext message)
            {
                await Task.Delay(1);
                message.AddHeader("X-Audit", "1");
            }

            private static Task StartAudit(EndOfMessageContext message) => Task.Run(() => message.AddHeader("X-Started", "1"));
        }
        """);

    [Fact]
    public Task A_change_left_to_the_filters_Dispose_is_an_error() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        public sealed class Timing(EndOfMessageContext message) : IDisposable
        {
            public void Dispose() => message.AddHeader("X-Time", "1");
        }

        [MailFilter]
        public partial class Stamp : IDisposable
        {
            private Timing? _timing;
            private EndOfMessageContext? _last;

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                _timing = new Timing(message);
                _last = message;
                return MilterVerdict.Accept;
            }

            public void Dispose()
            {
                {|MILTER009:_timing?.Dispose()|};
                {|MILTER009:_last?.AddHeader("X-Closed", "1")|};
            }
        }
        """);

    [Fact]
    public Task The_same_idioms_run_before_the_handler_returns_are_silent() => Verify<MessageChangeAnalyzer>.AnalyzerAsync("""
        public sealed class Timing(EndOfMessageContext message) : IDisposable
        {
            public void Dispose() => message.AddHeader("X-Time", "1");
        }

        [MailFilter]
        public partial class Stamp
        {
            private readonly Action<string>? _log = Console.WriteLine;
            private static readonly Action<EndOfMessageContext>[] Rules = [m => m.AddHeader("X-Rule", "1"), static m => m.ChangeHeader("Subject", "s")];

            [OnEndOfMessage]
            public async Task<MilterVerdict> End(EndOfMessageContext message)
            {
                using var timing = new Timing(message);
                new List<string> { "<a@b>" }.ForEach(message.DeleteRecipient);
                Action<string, string> add = message.AddHeader;
                add("X-Local", "1");
                foreach (var rule in Rules)
                    rule(message);
                await Task.Factory.StartNew(async () => { await Task.Delay(1); message.AddHeader("X-Unwrapped", "1"); }).Unwrap();
                await Task.Factory.StartNew(() => message.AddHeader("X-Sync", "1"));
                await AuditAsync(message);
                var audit = AuditAsync(message);
                await audit;
                await Task.WhenAll(AuditAsync(message), AuditAsync(message));
                await Task.WhenAll([AuditAsync(message)]);
                ThreadPool.QueueUserWorkItem(static m => Console.WriteLine(m.QueueId), message, preferLocal: false);
                return MilterVerdict.Accept;
            }

            [OnClose]
            public void Close() => _log?.Invoke("closed");

            private static async Task AuditAsync(EndOfMessageContext message)
            {
                await Task.Delay(1);
                message.AddHeader("X-Audit", "1");
            }
        }
        """);
}
