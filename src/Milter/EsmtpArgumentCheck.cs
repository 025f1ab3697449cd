namespace Milter;

/// <summary>
/// Checks the ESMTP arguments of <see cref="EndOfMessageContext.ChangeSender"/> and
/// <see cref="EndOfMessageContext.AddRecipient"/> before they go out, so a filter learns at the call what the MTA would
/// otherwise drop with only a line in its own log (Postfix) or refuse (Sendmail, which then leaves out an added
/// recipient altogether).
/// <list type="bullet">
/// <item>Syntax (RFC 5321 esmtp-param): <c>KEYWORD[=value]</c>, separated by spaces, the value printable ASCII without
/// <c>=</c>; the DSN values as RFC 3461 spells them (RET=FULL|HDRS, NOTIFY=NEVER or SUCCESS,FAILURE,DELAY, ORCPT=type;xtext,
/// ENVID=xtext).</item>
/// <item>Keywords per MTA: Postfix keeps RET and ENVID for a new sender and NOTIFY and ORCPT for an added recipient;
/// Sendmail reads a new sender's arguments as MAIL parameters (SIZE, BODY, ENVID, RET, AUTH, SMTPUTF8) and an added
/// recipient's as RCPT parameters (NOTIFY, ORCPT). Before the MTA is known, what either keeps is allowed.</item>
/// </list>
/// </summary>
internal static class EsmtpArgumentCheck
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the argument, the operation and the MTA when one would not be kept.</summary>
    public static void Validate(string arguments, bool forSender, MtaKind mta, string operation, string parameterName)
    {
        foreach (var argument in EsmtpArgumentRules.Split(arguments))
        {
            if (!EsmtpArgumentRules.TryParse(argument, out var keyword, out var value))
            {
                throw new ArgumentException(
                    $"{operation}: the ESMTP argument \"{argument}\" is not KEYWORD or KEYWORD=value (RFC 5321: letters, digits and '-', then printable ASCII without '=' or spaces).",
                    parameterName);
            }

            if (!Kept(keyword, forSender, mta))
            {
                throw new ArgumentException(mta is MtaKind.Postfix or MtaKind.Sendmail
                    ? $"{operation}: {mta} does not keep the ESMTP argument \"{argument}\" ({What(forSender, mta)})."
                    : $"{operation}: neither Postfix nor Sendmail keeps the ESMTP argument \"{argument}\" (the MTA is not recognised yet; {What(forSender, mta)}).",
                    parameterName);
            }

            if (EsmtpArgumentRules.ValueProblem(keyword, value) is { } problem)
                throw new ArgumentException($"{operation}: the ESMTP argument \"{argument}\" is invalid: {problem}.", parameterName);
        }
    }

    // Before the MTA is known, what either keeps is allowed (Postfix's keywords are among Sendmail's).
    private static bool Kept(string keyword, bool forSender, MtaKind mta) => mta switch
    {
        MtaKind.Postfix => EsmtpArgumentRules.PostfixKeeps(keyword, forSender),
        _ => EsmtpArgumentRules.SendmailKeeps(keyword, forSender),
    };

    private static string What(bool forSender, MtaKind mta) => (forSender, mta) switch
    {
        (false, _) => "an added recipient keeps only NOTIFY and ORCPT",
        (true, MtaKind.Postfix) => "a new sender keeps only RET and ENVID; others are dropped with a warning in Postfix's log",
        _ => "a new sender keeps only SIZE, BODY, ENVID, RET, AUTH and SMTPUTF8 behind Sendmail, and only RET and ENVID behind Postfix",
    };
}
