using Milter.Analyzers.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>
/// The negotiated actions are never fewer than what the code can do: the generator follows the end-of-message context
/// into any source the filter reaches, takes [UsesActions] where it cannot read the code, and where the context goes
/// out of sight it warns (MILTER017) and asks for every change the MTA offers. Each case builds with generator and
/// analyzers together.
/// </summary>
public class ActionInferenceTests
{
    private const string Filter = """
        [MailFilter("f")]
        public partial class F
        {
            [OnEndOfMessage]
            public MilterVerdict End(EndOfMessageContext message)
            {
                BODY
                return MilterVerdict.Accept;
            }
        }
        """;

    private static async Task<(ActionFlags Actions, ActionFlags Optional, PipelineResult Result)> NegotiatedAsync(string body, string others = "", params Microsoft.CodeAnalysis.MetadataReference[] libraries)
    {
        var result = await Pipeline.RunAsync([Filter.Replace("BODY", body, StringComparison.Ordinal), others], libraries);
        Assert.True(result.Compiler.Count == 0, result.ToString());
        var (actions, optional) = result.Negotiated("F");
        return (actions, optional, result);
    }

    public static TheoryData<string, string, string, ActionFlags> FollowedCases => new()
    {
        {
            "a static helper in another class",
            "Helpers.Stamp(message);",
            "static class Helpers { public static void Stamp(EndOfMessageContext m) => m.AddHeader(\"X\", \"1\"); }",
            ActionFlags.AddHeaders
        },
        {
            "an extension method, two calls deep",
            "message.Rewrite();",
            "static class Ext { public static void Rewrite(this EndOfMessageContext m) => Deeper(m); static void Deeper(EndOfMessageContext m) => m.ChangeSender(\"<a@b>\"); }",
            ActionFlags.ChangeSender
        },
        {
            "an instance helper created with the context",
            "new Rewriter(message).Run();",
            "sealed class Rewriter(EndOfMessageContext m) { public void Run() => m.DeleteRecipient(\"<a@b>\"); }",
            ActionFlags.DeleteRecipients
        },
        {
            "an interface with one implementation",
            "IPolicy p = new Quarantining(); p.Apply(message);",
            "interface IPolicy { void Apply(EndOfMessageContext m); } sealed class Quarantining : IPolicy { public void Apply(EndOfMessageContext m) => m.Quarantine(\"why\"); }",
            ActionFlags.Quarantine
        },
        {
            "every implementation of an interface",
            "foreach (var p in Policies.All) p.Apply(message);",
            """
            interface IPolicy { void Apply(EndOfMessageContext m); }
            sealed class A : IPolicy { public void Apply(EndOfMessageContext m) => m.AddHeader("X", "1"); }
            sealed class B : IPolicy { public void Apply(EndOfMessageContext m) => m.ReplaceBody("x\r\n"u8.ToArray()); }
            static class Policies { public static IPolicy[] All { get; } = [new A(), new B()]; }
            """,
            ActionFlags.AddHeaders | ActionFlags.ChangeBody
        },
        {
            "a virtual method and its override",
            "Base b = new Derived(); b.Edit(message);",
            "class Base { public virtual void Edit(EndOfMessageContext m) { } } sealed class Derived : Base { public override void Edit(EndOfMessageContext m) => m.ChangeHeader(\"Subject\", \"x\"); }",
            ActionFlags.ChangeHeaders
        },
        {
            "a context kept in a static holder and read by a helper",
            "Holder.Current = message; Holder.Stamp();",
            "static class Holder { public static EndOfMessageContext? Current; public static void Stamp() => Current!.AddHeader(\"X\", \"1\"); }",
            ActionFlags.AddHeaders
        },
        {
            "a lambda run by List.ForEach",
            "new List<string> { \"<a@b>\" }.ForEach(r => message.AddRecipient(r));",
            "",
            ActionFlags.AddRecipients
        },
        {
            "a delegate kept in a field of another class",
            "Hooks.OnEnd(message);",
            "static class Hooks { public static readonly Action<EndOfMessageContext> OnEnd = m => m.AddHeader(\"X\", \"1\"); }",
            ActionFlags.AddHeaders
        },
        {
            "a property whose getter changes the message",
            "_ = new Wrapper(message).Stamped;",
            "sealed class Wrapper(EndOfMessageContext m) { public bool Stamped { get { m.AddHeader(\"X\", \"1\"); return true; } } }",
            ActionFlags.AddHeaders
        },
        {
            "an async helper awaited",
            "Async.RunAsync(message).GetAwaiter().GetResult();",
            "static class Async { public static async Task RunAsync(EndOfMessageContext m) { await Task.Yield(); m.AddRecipient(\"<b@c>\", \"NOTIFY=NEVER\"); } }",
            ActionFlags.AddRecipientsWithParameters
        },
        {
            "AddRecipient with named arguments out of order",
            "message.AddRecipient(esmtpArguments: null, recipient: \"<a@b>\"); message.AddRecipient(esmtpArguments: \"NOTIFY=NEVER\", recipient: \"<c@d>\");",
            "",
            ActionFlags.AddRecipients | ActionFlags.AddRecipientsWithParameters
        },
        {
            "AddRecipient with a named null first",
            "message.AddRecipient(esmtpArguments: null, recipient: \"<a@b>\");",
            "",
            ActionFlags.AddRecipients
        },
        {
            "a C# 14 extension block member",
            "message.Tag(\"spam\");",
            "static class Tags { extension(EndOfMessageContext m) { public void Tag(string v) => m.AddHeader(\"X-Tag\", v); } }",
            ActionFlags.AddHeaders
        },
        {
            "a C# 14 extension block property",
            "_ = message.Held;",
            "static class Holds { extension(EndOfMessageContext m) { public bool Held { get { m.Quarantine(\"held\"); return true; } } } }",
            ActionFlags.Quarantine
        },
        {
            "a disposable whose Dispose changes the message (using declaration)",
            "using var t = new Timing(message);",
            "sealed class Timing(EndOfMessageContext m) : IDisposable { public void Dispose() => m.AddHeader(\"X-Time\", \"1\"); }",
            ActionFlags.AddHeaders
        },
        {
            "an async disposable whose DisposeAsync changes the message (await using)",
            "Run(message).GetAwaiter().GetResult(); static async Task Run(EndOfMessageContext message) { await using (var t = new Timing(message)) { await Task.Yield(); } }",
            "sealed class Timing(EndOfMessageContext m) : IAsyncDisposable { public ValueTask DisposeAsync() { m.ChangeHeader(\"Subject\", \"x\"); return default; } }",
            ActionFlags.ChangeHeaders
        },
        {
            "a disposable made by a factory, its Dispose found through its type",
            "using (Timing.Start(message)) { }",
            "sealed class Timing : IDisposable { private readonly EndOfMessageContext _m; private Timing(EndOfMessageContext m) => _m = m; public static Timing Start(EndOfMessageContext m) => new(m); public void Dispose() => _m.DeleteHeader(\"X-Old\"); }",
            ActionFlags.ChangeHeaders
        },
        {
            "a context method as a method group",
            "new List<string> { \"<a@b>\" }.ForEach(message.DeleteRecipient);",
            "",
            ActionFlags.DeleteRecipients
        },
        {
            "AddRecipient as a method group, which may or may not get ESMTP arguments",
            "Action<string, string?> add = message.AddRecipient; add(\"<a@b>\", null);",
            "",
            ActionFlags.AddRecipients | ActionFlags.AddRecipientsWithParameters
        },
        {
            "a delegate table in another class, run through a local and foreach",
            "var rules = Rules.All; foreach (var rule in rules) rule(message);",
            "static class Rules { public static readonly IReadOnlyList<Action<EndOfMessageContext>> All = [m => m.AddHeader(\"X\", \"1\"), m => m.ChangeHeader(\"Subject\", \"s\")]; }",
            ActionFlags.AddHeaders | ActionFlags.ChangeHeaders
        },
        {
            "a delegate table built in a static constructor, run through LINQ",
            "foreach (var rule in Rules.All.Where(r => r is not null)) rule(message);",
            "static class Rules { public static readonly List<Action<EndOfMessageContext>> All = new(); static Rules() { All.Add(m => m.ChangeSender(\"<s@b>\")); } }",
            ActionFlags.ChangeSender
        },
        {
            "a local function used as a method group",
            "new List<int> { 1 }.ForEach(Stamp); void Stamp(int n) => message.ReplaceBody(\"x\\r\\n\"u8.ToArray());",
            "",
            ActionFlags.ChangeBody
        },
        {
            "a static lambda with the context as its state argument",
            "Run(static m => m.AddHeader(\"X\", \"1\"), message); static void Run<T>(Action<T> a, T state) => a(state);",
            "",
            ActionFlags.AddHeaders
        },
        {
            "an object the context is handed to, whose other members run implicitly",
            "foreach (var r in new Recipients(message)) { }",
            "sealed class Recipients(EndOfMessageContext m) { public Enumerator GetEnumerator() => new(m); public struct Enumerator(EndOfMessageContext m) { public bool MoveNext() { m.DeleteRecipient(\"<a@b>\"); return false; } public int Current => 0; } }",
            ActionFlags.DeleteRecipients
        },
    };

    [Theory]
    [MemberData(nameof(FollowedCases))]
    public async Task Changes_made_in_code_the_filter_reaches_are_negotiated(string name, string body, string others, ActionFlags expected)
    {
        var (actions, optional, result) = await NegotiatedAsync(body, others);

        Assert.True(result.Milter.Count == 0, $"{name}: {result}");
        Assert.Equal(ActionFlags.None, optional);
        Assert.Equal(expected, actions);
    }

    [Fact]
    public async Task A_library_helper_with_UsesActions_is_taken_at_its_word()
    {
        var library = Pipeline.Library("""
            public static class Lib
            {
                [UsesActions(ActionFlags.ChangeSender | ActionFlags.Quarantine)]
                public static void Apply(EndOfMessageContext m) { }
            }
            """);
        var (actions, optional, result) = await NegotiatedAsync("Lib.Apply(message);", "", library);

        Assert.Empty(result.Milter);
        Assert.Equal(ActionFlags.ChangeSender | ActionFlags.Quarantine, actions);
        Assert.Equal(ActionFlags.None, optional);
    }

    [Fact]
    public async Task Milter_Mime_ApplyChanges_declares_its_actions_across_the_assembly_boundary()
    {
        var (actions, _, result) = await NegotiatedAsync("Milter.Mime.MimeRewriter.ApplyChanges(message, new Milter.Mime.MessageCapture());");

        Assert.Empty(result.Milter);
        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.ChangeHeaders | ActionFlags.ChangeBody, actions);
    }

    [Fact]
    public async Task A_context_handed_to_a_library_without_UsesActions_warns_and_asks_for_every_change()
    {
        var library = Pipeline.Library("public static class Lib { public static void Apply(EndOfMessageContext m) => m.AddHeader(\"X\", \"1\"); }");
        var (actions, optional, result) = await NegotiatedAsync("message.DeleteHeader(\"X-Old\"); Helper.Pass(message);",
            "static class Helper { public static void Pass(EndOfMessageContext m) => Lib.Apply(m); }", library);

        var escape = Assert.Single(result.Milter);
        Assert.Equal("MILTER017", escape.Id);
        Assert.Contains("'Lib.Apply' receives the end-of-message context", escape.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("[UsesActions(...)] on 'Pass'", escape.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(ActionFlags.ChangeHeaders, actions);
        Assert.Equal((ActionFlags)0xFF & ~ActionFlags.ChangeHeaders, optional);
    }

    [Fact]
    public async Task UsesActions_on_the_helper_that_hands_the_context_on_settles_it()
    {
        var library = Pipeline.Library("public static class Lib { public static void Apply(EndOfMessageContext m) => m.AddHeader(\"X\", \"1\"); }");
        var (actions, optional, result) = await NegotiatedAsync("Helper.Pass(message);",
            "static class Helper { [UsesActions(ActionFlags.AddHeaders)] public static void Pass(EndOfMessageContext m) => Lib.Apply(m); }", library);

        Assert.Empty(result.Milter);
        Assert.Equal(ActionFlags.AddHeaders, actions);
        Assert.Equal(ActionFlags.None, optional);
    }

    [Fact]
    public async Task A_delegate_from_a_library_that_receives_the_context_warns()
    {
        var library = Pipeline.Library("public static class Lib { public static Action<EndOfMessageContext> Stamp { get; } = m => m.AddHeader(\"X\", \"1\"); }");
        var (_, optional, result) = await NegotiatedAsync("Lib.Stamp(message);", "", library);

        Assert.Equal(["MILTER017"], result.Ids);
        Assert.NotEqual(ActionFlags.None, optional);
    }

    [Fact]
    public async Task Passing_the_context_where_an_object_is_taken_is_not_an_escape()
    {
        var (actions, optional, result) = await NegotiatedAsync("""Console.WriteLine(message); ArgumentNullException.ThrowIfNull(message); var all = new List<EndOfMessageContext> { message };""");

        Assert.Empty(result.Milter);
        Assert.Equal((ActionFlags.None, ActionFlags.None), (actions, optional));
    }

    [Fact]
    public async Task With_InferActions_false_changes_made_through_helpers_must_be_declared()
    {
        var result = await Pipeline.RunAsync("""
            [MailFilter(InferActions = false, ExtraActions = ActionFlags.AddHeaders)]
            public partial class Explicit
            {
                [OnEndOfMessage]
                public MilterVerdict End(EndOfMessageContext message)
                {
                    message.AddHeader("X", "1");
                    Helpers.Drop(message);
                    return MilterVerdict.Accept;
                }
            }

            static class Helpers { public static void Drop(EndOfMessageContext m) => m.DeleteRecipient("<a@b>"); }
            """);

        var missing = Assert.Single(result.Milter);
        Assert.Equal("MILTER014", missing.Id);
        Assert.Contains("'Drop' needs the DeleteRecipients action", missing.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_that_reads_the_envelope_gets_MAIL_and_RCPT_sent_without_handlers_for_them()
    {
        var (_, _, result) = await NegotiatedAsync("if (message.Recipients.Count > 1 && Helper.Bounce(message)) message.Quarantine(\"many\");",
            "static class Helper { public static bool Bounce(EndOfMessageContext m) => m.Sender is { Address: \"\" }; }");
        var generated = result.Generated.Single(g => g.Key.EndsWith(".F.Milter.g.cs", StringComparison.Ordinal)).Value;

        Assert.Contains("Steps = global::Milter.MilterSteps.Mail | global::Milter.MilterSteps.Rcpt,", generated, StringComparison.Ordinal);
        Assert.Contains("NoReplySteps = global::Milter.MilterSteps.Mail | global::Milter.MilterSteps.Rcpt,", generated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_that_does_not_read_the_envelope_leaves_MAIL_and_RCPT_off()
    {
        var (_, _, result) = await NegotiatedAsync("message.AddHeader(\"X\", message.QueueId ?? \"-\");");
        var generated = result.Generated.Single(g => g.Key.EndsWith(".F.Milter.g.cs", StringComparison.Ordinal)).Value;

        Assert.Contains("Steps = global::Milter.MilterSteps.None,", generated, StringComparison.Ordinal);
    }
}
