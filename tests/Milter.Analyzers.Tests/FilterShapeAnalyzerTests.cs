namespace Milter.Analyzers.Tests;

public class FilterShapeAnalyzerTests
{
    [Fact]
    public Task A_filter_class_that_is_not_partial() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public class {|MILTER001:Stamp|}
        {
            [OnEndOfMessage] public MilterVerdict End(EndOfMessageContext m) => MilterVerdict.Continue;
        }
        """);

    [Fact]
    public Task A_filter_nested_in_a_type_that_is_not_partial() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        public class Outer
        {
            [MailFilter]
            public partial class {|MILTER001:Stamp|} { }
        }
        """);

    [Fact]
    public Task A_partial_filter_with_good_handlers_is_silent() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnConnect] public void Connect(ConnectionInfo c, [Macro("j")] string? j) { }
            [OnRcpt] public Task<MilterVerdict> Rcpt(string address, MilterContext context, CancellationToken ct) => Task.FromResult(MilterVerdict.Continue);
            [OnHeader] public ValueTask Header(string name, string value) => default;
            [OnBody] public MilterVerdict Body(ReadOnlyMemory<byte> chunk) => MilterVerdict.Continue;
            [OnEndOfMessage] public async ValueTask<MilterVerdict> End(EndOfMessageContext m) { await Task.Yield(); return MilterVerdict.Accept; }
            [OnAbort] public Task Abort() => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task A_return_type_the_generator_cannot_adapt() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnRcpt] public {|MILTER002:bool|} Rcpt(Recipient r) => true;
            [OnAbort] public {|MILTER002:MilterVerdict|} Abort() => MilterVerdict.Continue;
        }
        """);

    [Fact]
    public Task A_parameter_with_no_meaning_for_the_event() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnHelo] public void Helo(Recipient {|MILTER002:r|}) { }
            [OnData] public void Data(string {|MILTER002:text|}) { }
            [OnEndOfMessage] public void End(EndOfMessageContext m, int {|MILTER002:count|}) { }
        }
        """);

    [Fact]
    public Task Two_handlers_for_one_event() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnHeader] public void First(string name, string value) { }
            [OnHeader] public void {|MILTER003:Second|}(string name, string value) { }
        }
        """);

    [Fact]
    public Task A_static_or_generic_handler() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnHelo] public static void {|MILTER004:Helo|}(string name) { }
            [OnMail] public void {|MILTER004:Mail|}<T>(string address) { }
        }
        """);

    [Fact]
    public Task Handler_attributes_without_MailFilter() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        public partial class {|MILTER005:Forgotten|}
        {
            [OnHelo] public void Helo(string name) { }
        }

        public partial class NotAFilter
        {
            public void Helo(string name) { }
        }
        """);

    [Fact]
    public Task A_generic_filter_class() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class {|MILTER006:Stamp|}<T> { }
        """);
}
