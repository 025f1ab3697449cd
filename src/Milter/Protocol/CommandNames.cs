namespace Milter.Protocol;

/// <summary>Command names as libmilter's documentation and logs spell them, for error messages.</summary>
internal static class CommandNames
{
    public static string Of(MilterCommandCode command) => command switch
    {
        MilterCommandCode.Abort => "ABORT",
        MilterCommandCode.Body => "BODY",
        MilterCommandCode.Connect => "CONNECT",
        MilterCommandCode.Macro => "MACRO",
        MilterCommandCode.EndOfBody => "BODYEOB",
        MilterCommandCode.Helo => "HELO",
        MilterCommandCode.QuitNewConnection => "QUIT_NC",
        MilterCommandCode.Header => "HEADER",
        MilterCommandCode.Mail => "MAIL",
        MilterCommandCode.EndOfHeaders => "EOH",
        MilterCommandCode.OptionNegotiation => "OPTNEG",
        MilterCommandCode.Quit => "QUIT",
        MilterCommandCode.Rcpt => "RCPT",
        MilterCommandCode.Data => "DATA",
        MilterCommandCode.Unknown => "UNKNOWN",
        _ => command.ToString(),
    };
}
