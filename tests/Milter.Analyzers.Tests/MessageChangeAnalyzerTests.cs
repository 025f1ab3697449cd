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
