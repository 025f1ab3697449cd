using Microsoft.CodeAnalysis;

namespace Milter.Analyzers;

/// <summary>Every diagnostic the analyzers report. Ids are never reused; each has a page in docs/diagnostics.</summary>
internal static class Descriptors
{
    private const string Usage = "Milter.Usage";
    private const string Protocol = "Milter.Protocol";

    /// <summary>Where the rule pages live (docs/diagnostics in the repository).</summary>
    public const string DocsBase = "https://github.com/milter-dotnet/milter/blob/main/docs/diagnostics/";

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
        "A handler must be an instance method without type parameters",
        "'{0}' is {1}; a handler runs on the filter instance of one connection and needs no type parameters");

    public static readonly DiagnosticDescriptor MissingMailFilter = Create("MILTER005", Usage, DiagnosticSeverity.Warning,
        "Handler attributes on a class without [MailFilter]",
        "'{0}' has handler attributes but no [MailFilter]; add [MailFilter] or the handlers are never called");

    public static readonly DiagnosticDescriptor GenericFilter = Create("MILTER006", Usage, DiagnosticSeverity.Error,
        "A filter class cannot be generic",
        "'{0}' is generic; a filter's negotiation is computed once at compile time, so make it a non-generic class (derive from a generic base if needed)");

    public static readonly DiagnosticDescriptor SkipOutsideBody = Create("MILTER007", Protocol, DiagnosticSeverity.Error,
        "Skip is only allowed from the body handler",
        "MilterVerdict.Skip is returned from the [{0}] handler; only the [OnBody] handler may skip (the MTA answers it with an error elsewhere). Return Continue.");

    public static readonly DiagnosticDescriptor BadReply = Create("MILTER008", Protocol, DiagnosticSeverity.Error,
        "A constant SMTP reply breaks the protocol's rules",
        "This reply is refused at run time: {0}");

    public static readonly DiagnosticDescriptor ChangeOutsideEndOfMessage = Create("MILTER009", Protocol, DiagnosticSeverity.Error,
        "A message change made outside end of message",
        "{0} is only allowed while the end-of-message handler runs, but {1}; make the change in the [OnEndOfMessage] handler (or a helper called only from it)");

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

    private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message) =>
        new(id, title, message, category, severity, isEnabledByDefault: true,
            description: title + ".",
            helpLinkUri: DocsBase + id + ".md");
}
