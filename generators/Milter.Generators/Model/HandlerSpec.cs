namespace Milter.Generators.Model;

/// <summary>The protocol events, in the order the emitter writes them.</summary>
internal enum MilterEvent
{
    Connect,
    Helo,
    Mail,
    Rcpt,
    Data,
    Header,
    EndOfHeaders,
    Body,
    EndOfMessage,
    Abort,
    Close,
    Unknown,
}

/// <summary>How a handler returns.</summary>
internal enum ReturnKind
{
    Void,
    Verdict,
    ValueTask,
    ValueTaskOfVerdict,
    Task,
    TaskOfVerdict,
}

/// <summary>What the generated code passes for one handler parameter.</summary>
internal enum ArgumentKind
{
    Context,
    EndOfMessageContext,
    CancellationToken,
    Macro,
    Connection,
    HeloName,
    Sender,
    SenderAddress,
    Recipient,
    RecipientAddress,
    HeaderField,
    HeaderName,
    HeaderValue,
    BodyChunk,
    UnknownCommand,
}

/// <summary>One argument of a handler call.</summary>
internal sealed record ArgumentSpec(ArgumentKind Kind, string? MacroName);

/// <summary>One attributed handler method.</summary>
internal sealed record HandlerSpec(MilterEvent Event, string MethodName, ReturnKind Return, EquatableArray<ArgumentSpec> Arguments);
