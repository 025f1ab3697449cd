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

/// <summary>Every shape the generator does not complete has a diagnostic: nothing is skipped in silence.</summary>
public class IncompleteFilterTests
{
    [Fact]
    public Task Static_abstract_and_file_local_filter_classes() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public static partial class {|MILTER020:Static|} { }

        [MailFilter]
        public abstract partial class {|MILTER020:Abstract|} { }

        [MailFilter]
        file partial class {|MILTER020:FileLocal|} { }
        """);

    [Fact]
    public Task A_class_that_already_implements_the_handler_or_declares_what_the_generator_adds() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class {|MILTER020:HandWritten|} : MilterHandler { }

        [MailFilter]
        public partial class {|MILTER020:{|MILTER020:Clashing|}|}
        {
            public static string Description => "mine";
            public static IMilterHandler Create(IServiceProvider? services) => throw new NotSupportedException();
        }
        """);

    [Fact]
    public Task No_constructor_the_factory_can_call() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class {|MILTER020:ByReference|}
        {
            public ByReference(ref int count) { }
        }

        [MailFilter]
        public partial class {|MILTER020:Ambiguous|}
        {
            public Ambiguous(string a) { }
            public Ambiguous(int b) { }
        }

        [MailFilter]
        public partial class {|MILTER020:Required|}
        {
            public required string Name { get; init; }
        }

        [MailFilter]
        public partial class RequiredButSet
        {
            [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
            public RequiredButSet() => Name = "set";

            public required string Name { get; init; }
        }

        [MailFilter]
        public sealed partial record Record(string Greeting = "hello");
        """);

    [Fact]
    public Task One_method_for_two_events_and_handlers_that_are_not_ordinary_methods() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        public interface IHelo { void Helo(string name); }

        [MailFilter]
        public partial class Stamp : IHelo
        {
            [OnHelo, OnMail] public void {|MILTER021:Both|}(string value) { }
            [OnHelo] void IHelo.{|MILTER004:Helo|}(string name) { }

            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                [OnHeader] void {|MILTER005:Local|}(string name, string value) { }
                Local("a", "b");
                return MilterVerdict.Accept;
            }
        }
        """);

    [Fact]
    public Task An_async_void_handler_is_an_error() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        [MailFilter]
        public partial class Stamp
        {
            [OnEndOfMessage]
            public async {|MILTER015:void|} End(EndOfMessageContext message)
            {
                await Task.Yield();
                message.AddHeader("X-Late", "1");
            }

            [OnAbort] public async ValueTask Abort() => await Task.Yield();
        }
        """);

    [Fact]
    public Task Malformed_macro_names_in_parameters_and_requests() => Verify<FilterShapeAnalyzer>.AnalyzerAsync("""
        #nullable enable
        [MailFilter]
        [{|MILTER019:RequestMacros(MacroStage.Mail, "{auth_type}", "{}")|}]
        public partial class Stamp
        {
            [OnRcpt] public void Rcpt([{|MILTER019:Macro("{auth_authen")|}] string? user) { }
            [OnHelo] public void Helo([{|MILTER019:Macro("")|}] string? empty) { }
            [OnMail] public void Mail([{|MILTER019:Macro("auth authen")|}] string? spaced) { }
            [OnData] public void Data([{|MILTER019:Macro("{{x}}")|}] string? nested) { }
            [OnHeader] public void Header(string name, string value, [{|MILTER019:Macro("auth_type")|}] string? unbraced) { }
            [OnConnect] public void Connect([Macro("j")] string? host, [Macro("{daemon_name}")] string? daemon, [Macro("{if_addr}")] string {|MILTER002:notNullable|}) { }
        }
        """);
}
