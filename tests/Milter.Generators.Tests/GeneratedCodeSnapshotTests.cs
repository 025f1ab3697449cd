using Milter.Generators.Tests.Support;

namespace Milter.Generators.Tests;

/// <summary>The generated code for representative classes, compared with checked-in baselines; each output must compile cleanly.</summary>
public class GeneratedCodeSnapshotTests
{
    private static void VerifyGenerated(string source, string test)
    {
        var (files, output) = GeneratorHarness.Run(source);
        Assert.Empty(GeneratorHarness.Problems(output));
        var file = Assert.Single(files);
        Snapshot.Verify(file.Value, file.Key, nameof(GeneratedCodeSnapshotTests), test);
    }

    [Fact]
    public void The_design_sketch_filter() => VerifyGenerated("""
        using Microsoft.Extensions.Logging;
        using Milter;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Demo;

        [MailFilter("stamp")]
        public partial class StampFilter(ILogger<StampFilter> log)
        {
            private int _seen;

            [OnRcpt]
            public MilterVerdict Rcpt(Recipient rcpt, [Macro("{auth_authen}")] string? user) =>
                rcpt.Address.EndsWith("@blocked.example") && user is null
                    ? MilterVerdict.Reject(550, "5.7.1", "Relaying denied")
                    : MilterVerdict.Continue;

            [OnHeader]
            public void Header(HeaderField header) => _seen++;

            [OnEndOfMessage]
            public async ValueTask<MilterVerdict> End(EndOfMessageContext msg, CancellationToken ct)
            {
                await Task.Yield();
                log.LogInformation("stamping");
                msg.AddHeader("X-Stamped", $"{_seen} headers");
                return MilterVerdict.Accept;
            }
        }
        """, nameof(The_design_sketch_filter));

    [Fact]
    public void Every_event_and_return_shape_in_a_nested_class() => VerifyGenerated("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Milter;

        namespace Demo.Deep
        {
            public partial class Outer
            {
                internal partial record Inner
                {
                    [MailFilter]
                    private sealed partial class AllEvents
                    {
                        [OnConnect] Task<MilterVerdict> Connect(ConnectionInfo connection, [Macro("j")] string? host) => Task.FromResult(MilterVerdict.Continue);
                        [OnHelo] ValueTask Helo(string helo) => default;
                        [OnMail] MilterVerdict Mail(string address, MilterContext context) => MilterVerdict.Continue;
                        [OnRcpt] Task Rcpt(Recipient recipient, CancellationToken ct) => Task.CompletedTask;
                        [OnData] void Data([Macro("i")] string? queueId) { }
                        [OnHeader] ValueTask<MilterVerdict> Header(string name, string value) => new(MilterVerdict.Continue);
                        [OnEndOfHeaders] void EndOfHeaders() { }
                        [OnBody] MilterVerdict Body(ReadOnlyMemory<byte> chunk) => chunk.Length > 10 ? MilterVerdict.Skip : MilterVerdict.Continue;
                        [OnEndOfMessage] MilterVerdict End(EndOfMessageContext message, MilterContext context)
                        {
                            message.ChangeHeader("Subject", "x");
                            message.Quarantine("because");
                            return MilterVerdict.Continue;
                        }
                        [OnAbort] void Abort(MilterContext context) { }
                        [OnClose] Task Close() => Task.CompletedTask;
                        [OnUnknown] MilterVerdict Unknown(string command) => MilterVerdict.Reject();
                    }
                }
            }
        }
        """, nameof(Every_event_and_return_shape_in_a_nested_class));

    [Fact]
    public void A_global_record_with_class_options_and_constructor_services() => VerifyGenerated("""
        using Milter;
        using Milter.Protocol;

        public interface IPolicy { bool Blocks(string address); }

        [MailFilter(HeaderLeadingSpace = true, RejectedRecipients = true, InferActions = false, ExtraActions = ActionFlags.AddHeaders | ActionFlags.ChangeBody)]
        [RequestMacros(MacroStage.Mail, "{auth_authen}", "{mail_addr}")]
        [RequestMacros(MacroStage.Connect, "{client_addr}")]
        public partial record Policy(IPolicy Rules, string? Label = null, int Limit = 10)
        {
            [OnRcpt]
            public MilterVerdict Rcpt(string address) => Rules.Blocks(address) ? MilterVerdict.Reject() : MilterVerdict.Continue;
        }
        """, nameof(A_global_record_with_class_options_and_constructor_services));

    [Fact]
    public void Actions_inferred_through_helpers_and_lambdas() => VerifyGenerated("""
        using System;
        using Milter;

        namespace Demo;

        [MailFilter]
        public partial class Rewriter
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                Fix(message);
                Action later = () => message.AddRecipient("<copy@example.org>", "NOTIFY=NEVER");
                later();
                return MilterVerdict.Accept;
            }

            private static void Fix(EndOfMessageContext message)
            {
                message.ChangeSender("<bounce@example.org>");
                message.ReplaceBody(new byte[] { 65 });
                message?.DeleteRecipient("<a@example.org>");
            }
        }
        """, nameof(Actions_inferred_through_helpers_and_lambdas));
}
