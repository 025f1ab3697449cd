namespace Milter;

/// <summary>
/// Marks a partial class as a milter. The source generator implements <see cref="IMilterHandler"/> and
/// <see cref="IMilterFilter{TSelf}"/> for it and works out, at compile time, the steps, no-reply flags,
/// actions and macros to negotiate. The class must be partial and not generic; it may be nested in other
/// partial types and may take constructor parameters (resolved from an <see cref="IServiceProvider"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class MailFilterAttribute(string? name = null) : Attribute
{
    /// <summary>A short name for logs; the class name when not given.</summary>
    public string? Name { get; } = name;

    /// <summary>Actions to request on top of those inferred from the message changes the class makes (for changes made through code the generator cannot see).</summary>
    public ActionFlags ExtraActions { get; set; }

    /// <summary>Whether to infer actions from the class's calls on <see cref="EndOfMessageContext"/> (default true). When false, only <see cref="ExtraActions"/> are requested.</summary>
    public bool InferActions { get; set; } = true;

    /// <summary>Header values keep their leading space both ways (SMFIP_HDR_LEADSPC), as pymilter's <c>@Milter.header_leading_space</c>.</summary>
    public bool HeaderLeadingSpace { get; set; }

    /// <summary>Also see recipients the MTA itself rejected (SMFIP_RCPT_REJ), as pymilter's <c>@Milter.rejected_recipients</c>.</summary>
    public bool RejectedRecipients { get; set; }
}

/// <summary>
/// Declares the message changes a method (and all it calls) makes on an <see cref="EndOfMessageContext"/>, so the
/// generator negotiates those actions for every filter that calls it. Needed where the generator cannot see the code:
/// a helper in another assembly (like Milter.Mime's <c>ApplyChanges</c>), or a method in your project that hands the
/// context to such code (MILTER017). In source, what the generator sees is added to what is declared.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor, Inherited = false)]
public sealed class UsesActionsAttribute(ActionFlags actions) : Attribute
{
    /// <summary>The actions the method may use.</summary>
    public ActionFlags Actions { get; } = actions;
}

/// <summary>Requests macros for a stage on top of those the handlers' <see cref="MacroAttribute"/> parameters ask for. May be repeated.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RequestMacrosAttribute(MacroStage stage, params string[] names) : Attribute
{
    /// <summary>The stage.</summary>
    public MacroStage Stage { get; } = stage;

    /// <summary>The macro names, e.g. <c>{auth_authen}</c> or <c>i</c>.</summary>
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>Injects a macro's value into a handler parameter of type <see cref="string"/> (null when the MTA did not send it), and requests it at that handler's stage.</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class MacroAttribute(string name) : Attribute
{
    /// <summary>The macro name as the MTA spells it: <c>i</c>, <c>{auth_authen}</c>.</summary>
    public string Name { get; } = name;
}

/// <summary>Handles CONNECT. Parameters: <see cref="ConnectionInfo"/>, <see cref="MilterContext"/>, <see cref="CancellationToken"/>, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnConnectAttribute : Attribute;

/// <summary>Handles HELO/EHLO. Parameters: the HELO name (<see cref="string"/>), context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnHeloAttribute : Attribute;

/// <summary>Handles MAIL FROM. Parameters: <see cref="Sender"/> or its address (<see cref="string"/>), context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnMailAttribute : Attribute;

/// <summary>Handles each RCPT TO. Parameters: <see cref="Recipient"/> or its address (<see cref="string"/>), context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnRcptAttribute : Attribute;

/// <summary>Handles DATA. Parameters: context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnDataAttribute : Attribute;

/// <summary>Handles each header. Parameters: the name and the value (two <see cref="string"/>s, in that order), context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnHeaderAttribute : Attribute;

/// <summary>Handles end of headers. Parameters: context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnEndOfHeadersAttribute : Attribute;

/// <summary>Handles each body chunk. Parameters: the chunk (<see cref="ReadOnlyMemory{T}"/> of bytes, valid during the call), context, token, [Macro] strings. May return <see cref="MilterVerdict.Skip"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnBodyAttribute : Attribute;

/// <summary>Handles end of message, the only place to change the message. Parameters: <see cref="EndOfMessageContext"/>, context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnEndOfMessageAttribute : Attribute;

/// <summary>Handles a message abandoned before end of message. Parameters: context, token. Returns nothing.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnAbortAttribute : Attribute;

/// <summary>Handles the end of the SMTP connection. Parameters: context, token. Returns nothing.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnCloseAttribute : Attribute;

/// <summary>Handles an unknown SMTP command. Parameters: the command line (<see cref="string"/>), context, token, [Macro] strings.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OnUnknownAttribute : Attribute;
