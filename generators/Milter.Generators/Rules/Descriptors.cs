using Microsoft.CodeAnalysis;

namespace Milter.Generators.Rules;

/// <summary>
/// Every diagnostic the analyzers and the generator report. Ids are never reused; each has a page in docs/diagnostics.
/// Shared by both, so a rule the generator acts on is the rule the analyzers report.
/// </summary>
internal static class Descriptors
{
    private const string Usage = "Milter.Usage";
    private const string Protocol = "Milter.Protocol";
    private const string Generator = "Milter.Generator";

    /// <summary>Where the rule pages live (docs/diagnostics in the repository).</summary>
    public const string DocsBase = "https://github.com/milter-dotnet/milter/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor GeneratorFailed = Create("MILTER000", Generator, DiagnosticSeverity.Error,
        "The source generator failed",
        "The Milter source generator could not complete '{0}': {1}. This is a bug in Milter, not in your code; please report it with this message.");

    public static readonly DiagnosticDescriptor NotPartial = Create("MILTER001", Usage, DiagnosticSeverity.Error,
        "A filter class must be partial",
        "Make '{0}' partial (and every type that contains it) so the source generator can complete it");

    public static readonly DiagnosticDescriptor BadShape = Create("MILTER002", Usage, DiagnosticSeverity.Error,
        "A handler's shape is not one the generator can adapt",
        "'{0}' cannot handle [{1}]: {2}. Allowed returns: {3}. Allowed parameters, in any order: {4}.");

    public static readonly DiagnosticDescriptor DuplicateHandler = Create("MILTER003", Usage, DiagnosticSeverity.Error,
        "Two handlers for one event",
        "'{0}' and '{1}' both handle [{2}]; keep one handler per event and call the other from it");

    public static readonly DiagnosticDescriptor StaticOrGeneric = Create("MILTER004", Usage, DiagnosticSeverity.Error,
        "A handler must be an ordinary instance method without type parameters",
        "'{0}' is {1}; a handler runs on the filter instance of one connection: make it an ordinary instance method without type parameters");

    public static readonly DiagnosticDescriptor HandlerNeverCalled = Create("MILTER005", Usage, DiagnosticSeverity.Warning,
        "Handler attributes that are never called",
        "{0}");

    public static readonly DiagnosticDescriptor GenericFilter = Create("MILTER006", Usage, DiagnosticSeverity.Error,
        "A filter class cannot be generic",
        "'{0}' {1}; a filter's negotiation is computed once at compile time, so make it a non-generic class (derive from a generic base if needed)");

    public static readonly DiagnosticDescriptor SkipOutsideBody = Create("MILTER007", Protocol, DiagnosticSeverity.Error,
        "Skip is only allowed from the body handler",
        "MilterVerdict.Skip is returned from the [{0}] handler; only the [OnBody] handler may skip (the MTA answers it with an error elsewhere). Return Continue.");

    public static readonly DiagnosticDescriptor BadReply = Create("MILTER008", Protocol, DiagnosticSeverity.Error,
        "A constant SMTP reply breaks the protocol's rules",
        "This reply is refused at run time: {0}");

    public static readonly DiagnosticDescriptor ChangeOutsideEndOfMessage = Create("MILTER009", Protocol, DiagnosticSeverity.Error,
        "A message change made outside end of message",
        "{0} is only allowed while the end-of-message handler runs, but {1}; make the change in the [OnEndOfMessage] handler (or a helper it calls and waits for)");

    public static readonly DiagnosticDescriptor ProgressOutsideEndOfMessage = Create("MILTER010", Protocol, DiagnosticSeverity.Error,
        "Progress outside end of message",
        "SendProgressAsync is only allowed while the end-of-message handler runs, but {0}; Sendmail accepts PROGRESS only after end of message");

    public static readonly DiagnosticDescriptor MacroNotYetSent = Create("MILTER011", Protocol, DiagnosticSeverity.Warning,
        "A macro the MTA cannot send at this stage",
        "Macro {0} is first sent at the {1} stage, so the [{2}] handler never sees it; read it in a later handler");

    public static readonly DiagnosticDescriptor MacroNotRequested = Create("MILTER012", Protocol, DiagnosticSeverity.Warning,
        "A macro read at a stage whose request list leaves it out",
        "This filter requests its own macro list for the {1} stage, which replaces the MTA's list, and {0} is not in it; add [RequestMacros(MacroStage.{1}, \"{0}\")] or take it as a [Macro] parameter");

    public static readonly DiagnosticDescriptor BlockingCall = Create("MILTER013", Usage, DiagnosticSeverity.Warning,
        "A blocking call in an asynchronous handler",
        "{0} blocks a thread while the MTA waits; await instead");

    public static readonly DiagnosticDescriptor ActionNotNegotiated = Create("MILTER014", Protocol, DiagnosticSeverity.Error,
        "A message change whose action is not negotiated",
        "{0} needs the {1} action, but this filter sets InferActions = false and its ExtraActions leave it out; add ActionFlags.{1} to ExtraActions");

    public static readonly DiagnosticDescriptor AsyncVoid = Create("MILTER015", Usage, DiagnosticSeverity.Error,
        "async void in a filter",
        "{0} is async void: an exception after its first await is thrown on the thread pool and ends the whole milter process (every connection, every MTA), and nobody waits for it; {1}");

    public static readonly DiagnosticDescriptor UnobservedCallback = Create("MILTER016", Usage, DiagnosticSeverity.Warning,
        "A callback whose exception ends the process",
        "This callback runs on {0}, where an exception ends the whole milter process; catch every exception inside it, or await the work with Task.Run instead");

    public static readonly DiagnosticDescriptor ContextEscapes = Create("MILTER017", Protocol, DiagnosticSeverity.Warning,
        "The end-of-message context reaches code the generator cannot see",
        "{0}, so the generator cannot tell which message changes it makes and requests every action the MTA offers; declare the actions it uses with [UsesActions(...)] on '{1}'");

    public static readonly DiagnosticDescriptor ChangeMaybeOutsideEndOfMessage = Create("MILTER018", Protocol, DiagnosticSeverity.Warning,
        "A message change that may run after end of message",
        "{0} is only allowed while the end-of-message handler runs, but {1}; if it runs later it throws and the MTA gets the default verdict. Make the change directly in the handler, or wait for it before the handler returns.");

    public static readonly DiagnosticDescriptor BadMacroName = Create("MILTER019", Protocol, DiagnosticSeverity.Error,
        "A malformed macro name",
        "Macro name {0} is malformed: {1}");

    public static readonly DiagnosticDescriptor FilterNotCompletable = Create("MILTER020", Usage, DiagnosticSeverity.Error,
        "A filter class the generator cannot complete",
        "The source generator cannot complete '{0}': {1}");

    public static readonly DiagnosticDescriptor TwoEvents = Create("MILTER021", Usage, DiagnosticSeverity.Error,
        "One method marked for two events",
        "'{0}' is marked [{1}] and [{2}]; a method handles one event: write one handler per event (they may call a shared method)");

    // An Error by default; reported as a Warning when only Sendmail keeps the argument (one id, as the docs page is one).
    public static readonly DiagnosticDescriptor BadEsmtpArgument = Create("MILTER022", Protocol, DiagnosticSeverity.Error,
        "An ESMTP argument the MTA refuses or drops",
        "{0}: the ESMTP argument \"{1}\" {2}");

    public static readonly DiagnosticDescriptor EmptyPipeline = Create("MILTER023", Usage, DiagnosticSeverity.Error,
        "A pipeline built without parts",
        "The pipeline {0} is built without a part: Build() throws InvalidOperationException; add at least one with Add");

    private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message) =>
        new(id, title, message, category, severity, isEnabledByDefault: true,
            description: title + ".",
            helpLinkUri: DocsBase + id + ".md");
}
