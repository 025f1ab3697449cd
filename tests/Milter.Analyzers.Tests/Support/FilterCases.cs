using System.Text;
using CsCheck;
using Microsoft.CodeAnalysis;

namespace Milter.Analyzers.Tests.Support;

/// <summary>
/// Random filter classes with the answer known by construction: the MILTER errors their faults must raise (none for
/// most), and the actions their code performs, through every route the analysis follows (helpers, extension methods and
/// C# 14 extension blocks, interfaces, lambdas, static lambdas with state, local functions, context method groups,
/// disposables, delegate tables in other classes, objects keeping a delegate, named arguments, awaited and dropped
/// tasks, libraries with and without [UsesActions]).
/// </summary>
internal static class FilterCases
{
    /// <summary>A library the generator cannot read: one helper declares its actions, one does not.</summary>
    public static readonly Lazy<MetadataReference> Library = new(() => Pipeline.Library("""
        public static class Lib
        {
            [UsesActions(ActionFlags.Quarantine)]
            public static void Declared(EndOfMessageContext m) => m.Quarantine("lib");

            public static void Hidden(EndOfMessageContext m) => m.AddHeader("X-Lib", "1");
        }
        """));

    /// <summary>Cases drawn from a tape of random numbers, so CsCheck shrinks a failure to a small class.</summary>
    public static Gen<FilterCase> Gen { get; } = CsCheck.Gen.Int[0, 999].Array[48].Select(Build);

    private static readonly string[] Events = ["Connect", "Helo", "Mail", "Rcpt", "Data", "Header", "EndOfHeaders", "Body", "EndOfMessage", "Abort", "Close", "Unknown"];

    private static readonly (string Call, ActionFlags Action)[] Changes =
    [
        ("{0}.AddHeader(\"X-A\", \"1\")", ActionFlags.AddHeaders),
        ("{0}.InsertHeader(1, \"X-B\", \"2\")", ActionFlags.AddHeaders),
        ("{0}.ChangeHeader(\"Subject\", \"s\")", ActionFlags.ChangeHeaders),
        ("{0}.DeleteHeader(\"X-Old\")", ActionFlags.ChangeHeaders),
        ("{0}.ChangeSender(\"<s@example.org>\")", ActionFlags.ChangeSender),
        ("{0}.AddRecipient(\"<r@example.org>\")", ActionFlags.AddRecipients),
        ("{0}.AddRecipient(\"<p@example.org>\", \"NOTIFY=NEVER\")", ActionFlags.AddRecipientsWithParameters),
        ("{0}.DeleteRecipient(\"<d@example.org>\")", ActionFlags.DeleteRecipients),
        ("{0}.Quarantine(\"held\")", ActionFlags.Quarantine),
        ("{0}.ReplaceBody(\"body\\r\\n\"u8.ToArray())", ActionFlags.ChangeBody),
        ("{0}.AddRecipient(esmtpArguments: null, recipient: \"<n@example.org>\")", ActionFlags.AddRecipients),
        ("{0}.AddRecipient(esmtpArguments: \"NOTIFY=NEVER\", recipient: \"<o@example.org>\")", ActionFlags.AddRecipientsWithParameters),
        ("{0}.ChangeHeader(value: \"v\", name: \"Subject\")", ActionFlags.ChangeHeaders),
    ];

    /// <summary>Context methods that fit an Action&lt;string&gt;, for the method-group route.</summary>
    private static readonly (string Name, ActionFlags Action)[] Groups = [("DeleteRecipient", ActionFlags.DeleteRecipients), ("Quarantine", ActionFlags.Quarantine)];

    private static FilterCase Build(int[] tape)
    {
        var t = new Tape(tape);
        var errors = new SortedSet<string>(StringComparer.Ordinal);
        var reports = new SortedSet<string>(StringComparer.Ordinal);
        var others = new StringBuilder();
        var members = new StringBuilder();

        // The class: mostly well formed, sometimes with one fault the generator cannot get past.
        var classFault = t.Chance(30) ? t.Next(10) : -1;
        var isStatic = classFault == 1;
        var isAbstract = classFault == 2;
        var record = !isStatic && !isAbstract && classFault != 7 && t.Chance(30);
        var container = classFault switch { 5 => "public class Outer", 6 => "public partial class Outer<T>", _ => t.Chance(20) ? "public static partial class Outer" : null };
        var fileLocal = classFault == 4 && container is null;
        var header = new StringBuilder("[MailFilter(\"f\")]\n");
        header.Append(fileLocal ? "file " : "public ");
        header.Append(isStatic ? "static " : isAbstract ? "abstract " : record || t.Chance(50) ? "sealed " : string.Empty);
        header.Append(classFault == 0 ? string.Empty : "partial ");
        header.Append(record ? "record F" : "class F");
        header.Append(classFault == 3 ? "<T>" : string.Empty);
        header.Append(classFault == 7 ? " : MilterHandler" : string.Empty);
        switch (classFault)
        {
            case 0 or 5:
                errors.Add("MILTER001");
                break;
            case 3 or 6:
                errors.Add("MILTER006");
                break;
            case 1 or 2 or 7 or 8 or 9:
                errors.Add("MILTER020");
                break;
            case 4:
                errors.Add(fileLocal ? "MILTER020" : "MILTER001");
                break;
        }

        if (classFault == 4 && !fileLocal)
            header.Replace("partial ", string.Empty);
        if (classFault == 8)
            members.AppendLine("public static string Description => \"mine\";");
        if (classFault == 9)
            members.AppendLine(t.Chance(50) ? "public F(ref int count) { }" : "public required string Greeting { get; init; }");
        else if (!isStatic && t.Chance(30))
            members.AppendLine(t.Chance(50) ? "public F(Microsoft.Extensions.Logging.ILogger<F>? log = null) { }" : "public F(string greeting = \"hi\") { }");

        // The handlers, and at most one fault among them.
        var handlers = isStatic ? [] : Events.Where(e => t.Chance(e == "EndOfMessage" ? 75 : 35)).ToList();
        var actions = ActionFlags.None;
        var escape = false;
        var sites = handlers.Contains("EndOfMessage") ? t.Next(5) : 0;
        var siteLines = new List<string>();
        var needsAsync = false;
        for (var site = 0; site < sites; site++)
        {
            var (call, action) = Changes[t.Next(Changes.Length)];
            var route = t.Next(18);
            needsAsync |= route == 7;
            switch (route)
            {
                case 0:
                    siteLines.Add(string.Format(null, call, "message") + ";");
                    break;
                case 1:
                    siteLines.Add($"Helper{site}(message);");
                    members.AppendLine($"private static void Helper{site}(EndOfMessageContext m) => {string.Format(null, call, "m")};");
                    break;
                case 2:
                    siteLines.Add($"Helpers{site}.Do(message);");
                    others.AppendLine($"internal static class Helpers{site} {{ public static void Do(EndOfMessageContext m) => {string.Format(null, call, "m")}; }}");
                    break;
                case 3:
                    siteLines.Add($"message.Extension{site}();");
                    others.AppendLine($"internal static class Extensions{site} {{ public static void Extension{site}(this EndOfMessageContext m) => {string.Format(null, call, "m")}; }}");
                    break;
                case 4:
                    siteLines.Add($"((IEdit{site})new Edit{site}()).Apply(message);");
                    others.AppendLine($"internal interface IEdit{site} {{ void Apply(EndOfMessageContext m); }}");
                    others.AppendLine($"internal sealed class Edit{site} : IEdit{site} {{ public void Apply(EndOfMessageContext m) => {string.Format(null, call, "m")}; }}");
                    break;
                case 5:
                    siteLines.Add($"Action<EndOfMessageContext> edit{site} = m => {string.Format(null, call, "m")}; edit{site}(message);");
                    break;
                case 6:
                    siteLines.Add($"new List<int> {{ 1 }}.ForEach(_ => {string.Format(null, call, "message")});");
                    break;
                case 7:
                    siteLines.Add($"await Task.Run(() => {string.Format(null, call, "message")});");
                    break;
                case 10:
                    var (group, groupAction) = Groups[t.Next(Groups.Length)];
                    siteLines.Add($"new List<string> {{ \"<g@example.org>\" }}.ForEach(message.{group});");
                    action = groupAction;
                    break;
                case 11 when t.Chance(50):
                    siteLines.Add($"using (new Scope{site}(message)) {{ }}");
                    others.AppendLine($"internal sealed class Scope{site}(EndOfMessageContext m) : IDisposable {{ public void Dispose() => {string.Format(null, call, "m")}; }}");
                    break;
                case 11:
                    // Only the using statement calls Dispose, and the object does not hold the context: it reads it from a holder.
                    siteLines.Add($"Holder{site}.Current = message; using (new Scope{site}()) {{ }}");
                    others.AppendLine($"internal static class Holder{site} {{ public static EndOfMessageContext? Current = null; }}");
                    others.AppendLine($"internal sealed class Scope{site} : IDisposable {{ public void Dispose() => {string.Format(null, call, "Holder" + site + ".Current!")}; }}");
                    break;
                case 12:
                    siteLines.Add($"var table{site} = Table{site}.All; foreach (var rule in table{site}) rule(message);");
                    others.AppendLine($"internal static class Table{site} {{ public static readonly IReadOnlyList<Action<EndOfMessageContext>> All = [m => {string.Format(null, call, "m")}]; }}");
                    break;
                case 13:
                    siteLines.Add($"message.Block{site}();");
                    others.AppendLine($"internal static class Blocks{site} {{ extension(EndOfMessageContext m) {{ public void Block{site}() => {string.Format(null, call, "m")}; }} }}");
                    break;
                case 14:
                    siteLines.Add($"Run{site}(static (m, n) => {string.Format(null, call, "m")}, message, {site});");
                    members.AppendLine($"private static void Run{site}<T>(Action<EndOfMessageContext, T> a, EndOfMessageContext m, T state) => a(m, state);");
                    break;
                case 15:
                    siteLines.Add($"new List<int> {{ 1 }}.ForEach(Local{site}); void Local{site}(int n) => {string.Format(null, call, "message")};");
                    break;
                case 16:
                    siteLines.Add($"var edits{site} = new Edits{site}(message); edits{site}.Apply();");
                    others.AppendLine($"internal sealed class Edits{site} {{ private readonly Action _apply; public Edits{site}(EndOfMessageContext m) => _apply = () => {string.Format(null, call, "m")}; public void Apply() => _apply(); }}");
                    break;
                case 17:
                    // A dropped task: what the helper does after its await runs after the handler returned (MILTER009).
                    siteLines.Add($"_ = Audit{site}(message);");
                    members.AppendLine($"private static async Task Audit{site}(EndOfMessageContext m) {{ await Task.Yield(); {string.Format(null, call, "m")}; }}");
                    reports.Add("MILTER009");
                    break;
                case 8:
                    siteLines.Add("Lib.Declared(message);");
                    action = ActionFlags.Quarantine;
                    break;
                default:
                    siteLines.Add("Lib.Hidden(message);");
                    escape = true;
                    action = ActionFlags.None;
                    break;
            }

            actions |= action;
        }

        var handlerFault = handlers.Count > 0 && t.Chance(25) ? t.Next(9) : -1;
        var faulty = handlerFault >= 0 ? handlers[t.Next(handlers.Count)] : null;
        // A handler written as "=> 0;" has no body: the dropped task is never started.
        if (faulty == "EndOfMessage" && handlerFault == 0)
            reports.Clear();
        foreach (var e in handlers)
            members.Append(Handler(e, e == faulty ? handlerFault : -1, t, e == "EndOfMessage" ? siteLines : [], needsAsync, errors));

        var source = new StringBuilder();
        if (container is not null)
            source.AppendLine(container).AppendLine("{");
        source.Append(header).AppendLine().AppendLine("{").Append(members).AppendLine("}");
        if (container is not null)
            source.AppendLine("}");
        // Program.cs names the class wherever generated code can extend it (completed, or a placeholder when it has an error).
        var program = classFault is -1 or 2 or 9
            ? $"public static class Program {{ public static Task<int> Main(string[] args) => Milter.Server.MilterServer.RunAsync<{(container is null ? string.Empty : "Outer.")}F>(args); }}"
            : string.Empty;
        return new FilterCase(source.ToString(), others.ToString(), program, [.. errors], [.. reports], actions, escape);
    }

    private static string Handler(string e, int fault, Tape t, List<string> body, bool needsAsync, SortedSet<string> errors)
    {
        var (data, allowed) = e switch
        {
            "Connect" => (new[] { "ConnectionInfo connection" }, 6),
            "Helo" => (["string helo"], 6),
            "Mail" => ([t.Chance(50) ? "Sender sender" : "string sender"], 6),
            "Rcpt" => ([t.Chance(50) ? "Recipient recipient" : "string recipient"], 6),
            "Header" => (["string name", "string value"], 6),
            "Body" => (["ReadOnlyMemory<byte> chunk"], 6),
            "EndOfMessage" => (["EndOfMessageContext message"], 6),
            "Unknown" => (["string command"], 6),
            "Abort" or "Close" => ([], 3),
            _ => ([], 6),
        };
        var parameters = data.ToList();
        if (t.Chance(40))
            parameters.Add("MilterContext context");
        if (t.Chance(30))
            parameters.Add("CancellationToken token");
        if (t.Chance(30) && e is not ("Abort" or "Close"))
            parameters.Add("[Macro(\"{daemon_name}\")] string? daemon");

        // void, MilterVerdict, ValueTask, ValueTask<MilterVerdict>, Task, Task<MilterVerdict>; abort and close decide nothing.
        var shape = allowed == 3 ? new[] { 0, 2, 4 }[t.Next(3)] : t.Next(6);
        var isAsync = e == "EndOfMessage" && needsAsync;
        if (isAsync && shape is 0 or 1)
            shape = 3;
        var name = e;
        var modifiers = "public ";
        var attributes = $"[On{e}]";
        var returns = new[] { "void", "MilterVerdict", "ValueTask", "ValueTask<MilterVerdict>", "Task", "Task<MilterVerdict>" }[shape];
        var extra = string.Empty;
        switch (fault)
        {
            case 0:
                returns = "int";
                errors.Add("MILTER002");
                break;
            case 1:
                parameters.Add("int count");
                errors.Add("MILTER002");
                break;
            case 2:
                modifiers += "static ";
                errors.Add("MILTER004");
                break;
            case 3:
                name += "<TX>";
                errors.Add("MILTER004");
                break;
            case 4:
                extra = $"[On{e}] public {returns} Second{e}({string.Join(", ", parameters)}) {Body(shape, false, [])}\n";
                errors.Add("MILTER003");
                break;
            case 5:
                attributes = e == "Helo" ? "[OnHelo, OnData]" : $"[On{e}, OnHelo]";
                if (e != "Helo" && e != "Data")
                    parameters = parameters.Where(p => !p.StartsWith("[Macro", StringComparison.Ordinal)).ToList();
                errors.Add("MILTER021");
                break;
            case 6:
                returns = "void";
                shape = -1;
                errors.Add("MILTER015");
                break;
            case 7:
                parameters.Add("[Macro(\"{auth_authen\")] string? user");
                errors.Add("MILTER019");
                break;
            case 8:
                parameters.Add("[Macro(\"j\")] string host");
                errors.Add("MILTER002");
                break;
        }

        if (fault == 5)
        {
            // One method for two events: its parameters must make sense for neither in particular (the body may need the context).
            parameters = e == "EndOfMessage" ? ["EndOfMessageContext message"] : [];
            returns = "void";
            shape = 0;
        }

        var shuffled = parameters.OrderBy(_ => t.Next(100)).ToList();
        var text = $"{attributes} {modifiers}{(shape == -1 || (isAsync && fault != 0) ? "async " : string.Empty)}{returns} {name}({string.Join(", ", shuffled)}) {(fault == 0 ? "=> 0;" : Body(shape, isAsync, body))}\n";
        return text + extra;
    }

    /// <summary>A body that compiles for the return shape (-1: async void).</summary>
    private static string Body(int shape, bool isAsync, List<string> lines)
    {
        if (lines.Count == 0 && !isAsync && shape != -1)
        {
            return shape switch
            {
                0 => "{ }",
                1 => "=> MilterVerdict.Continue;",
                2 => "=> default;",
                3 => "=> new(MilterVerdict.Continue);",
                4 => "=> Task.CompletedTask;",
                _ => "=> Task.FromResult(MilterVerdict.Continue);",
            };
        }

        var block = new StringBuilder("{\n");
        foreach (var line in lines)
            block.Append("    ").AppendLine(line);
        if (isAsync || shape == -1)
            block.AppendLine("    await Task.Yield();");
        block.AppendLine(shape switch
        {
            0 or -1 => string.Empty,
            1 => "    return MilterVerdict.Accept;",
            2 => isAsync ? "    return;" : "    return default;",
            3 => isAsync ? "    return MilterVerdict.Accept;" : "    return new(MilterVerdict.Accept);",
            4 => isAsync ? "    return;" : "    return Task.CompletedTask;",
            _ => isAsync ? "    return MilterVerdict.Accept;" : "    return Task.FromResult(MilterVerdict.Accept);",
        });
        return block.Append('}').ToString();
    }

    private sealed class Tape(int[] values)
    {
        private int _next;

        public int Next(int count) => values[_next++ % values.Length] % count;

        public bool Chance(int percent) => Next(100) < percent;
    }
}

/// <summary>
/// A generated filter class F (plus other code, and a Program that names it where it can), the errors that stop the
/// generator, the analyzer errors its routes must raise (a dropped task), and the actions it performs.
/// </summary>
internal sealed record FilterCase(string Source, string Others, string Program, IReadOnlyList<string> Errors, IReadOnlyList<string> Reports, ActionFlags Actions, bool Escapes)
{
    public override string ToString() => $"{Source}\n{Others}\n{Program}\nerrors: [{string.Join(", ", Errors)}] reports: [{string.Join(", ", Reports)}] actions: {Actions} escapes: {Escapes}";
}
