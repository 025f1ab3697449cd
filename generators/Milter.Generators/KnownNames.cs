using Milter.Generators.Model;

namespace Milter.Generators;

/// <summary>Metadata names of the runtime types the generator recognises.</summary>
internal static class KnownNames
{
    public const string MailFilterAttribute = "Milter.MailFilterAttribute";
    public const string RequestMacrosAttribute = "Milter.RequestMacrosAttribute";
    public const string MacroAttribute = "Milter.MacroAttribute";
    public const string UsesActionsAttribute = "Milter.UsesActionsAttribute";
    public const string MilterVerdict = "Milter.MilterVerdict";
    public const string MilterContext = "Milter.MilterContext";
    public const string EndOfMessageContext = "Milter.EndOfMessageContext";
    public const string ConnectionInfo = "Milter.ConnectionInfo";
    public const string Sender = "Milter.Sender";
    public const string Recipient = "Milter.Recipient";
    public const string HeaderField = "Milter.HeaderField";
    public const string MilterHandlerInterface = "Milter.IMilterHandler";

    /// <summary>Every action flag (SMFI_CURR_ACTS).</summary>
    public const uint AllActions = 0x1FF;

    /// <summary>Every message change (all actions but SETSYMLIST): what code nobody can see might do.</summary>
    public const uint ChangeActions = 0xFF;

    /// <summary>Not an action: marks SendProgressAsync, which is bound to end of message like the changes.</summary>
    public const uint Progress = 0x10000;

    /// <summary>The attribute for each event.</summary>
    public static readonly (string Attribute, MilterEvent Event)[] EventAttributes =
    {
        ("Milter.OnConnectAttribute", MilterEvent.Connect),
        ("Milter.OnHeloAttribute", MilterEvent.Helo),
        ("Milter.OnMailAttribute", MilterEvent.Mail),
        ("Milter.OnRcptAttribute", MilterEvent.Rcpt),
        ("Milter.OnDataAttribute", MilterEvent.Data),
        ("Milter.OnHeaderAttribute", MilterEvent.Header),
        ("Milter.OnEndOfHeadersAttribute", MilterEvent.EndOfHeaders),
        ("Milter.OnBodyAttribute", MilterEvent.Body),
        ("Milter.OnEndOfMessageAttribute", MilterEvent.EndOfMessage),
        ("Milter.OnAbortAttribute", MilterEvent.Abort),
        ("Milter.OnCloseAttribute", MilterEvent.Close),
        ("Milter.OnUnknownAttribute", MilterEvent.Unknown),
    };

    /// <summary>The action flag each message change on EndOfMessageContext needs (ActionFlags values).</summary>
    public static uint ActionOf(string method) => method switch
    {
        "AddHeader" or "InsertHeader" => 0x001,
        "ReplaceBody" => 0x002,
        "AddRecipient" => 0x004,
        "DeleteRecipient" => 0x008,
        "ChangeHeader" or "DeleteHeader" => 0x010,
        "Quarantine" => 0x020,
        "ChangeSender" => 0x040,
        "SendProgressAsync" => Progress,
        _ => 0,
    };

    public const uint AddRecipientsWithParameters = 0x080;

    /// <summary>MilterSteps flag values of the events that can be negotiated.</summary>
    public static int StepOf(MilterEvent e) => e switch
    {
        MilterEvent.Connect => 1 << 0,
        MilterEvent.Helo => 1 << 1,
        MilterEvent.Mail => 1 << 2,
        MilterEvent.Rcpt => 1 << 3,
        MilterEvent.Data => 1 << 4,
        MilterEvent.Header => 1 << 5,
        MilterEvent.EndOfHeaders => 1 << 6,
        MilterEvent.Body => 1 << 7,
        MilterEvent.Unknown => 1 << 8,
        _ => 0,
    };

    /// <summary>The SMFIM stage whose macros a handler sees (-1: none to request).</summary>
    public static int MacroStageOf(MilterEvent e) => e switch
    {
        MilterEvent.Connect or MilterEvent.Unknown => 0,
        MilterEvent.Helo => 1,
        MilterEvent.Mail => 2,
        MilterEvent.Rcpt => 3,
        MilterEvent.Data or MilterEvent.Header => 4,
        MilterEvent.EndOfMessage => 5,
        MilterEvent.EndOfHeaders or MilterEvent.Body => 6,
        _ => -1,
    };
}
