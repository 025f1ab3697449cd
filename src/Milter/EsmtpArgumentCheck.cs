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
    private static readonly string[] PostfixSender = ["RET", "ENVID"];
    private static readonly string[] SendmailSender = ["SIZE", "BODY", "ENVID", "RET", "AUTH", "SMTPUTF8"];
    private static readonly string[] Recipient = ["NOTIFY", "ORCPT"];

    /// <summary>Throws <see cref="ArgumentException"/> naming the argument, the operation and the MTA when one would not be kept.</summary>
    public static void Validate(string arguments, bool forSender, MtaKind mta, string operation, string parameterName)
    {
        var allowed = Allowed(forSender, mta);
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            var keyword = equals < 0 ? argument : argument[..equals];
            var value = equals < 0 ? null : argument[(equals + 1)..];
            if (!IsKeyword(keyword) || value is not null && !IsValue(value))
            {
                throw new ArgumentException(
                    $"{operation}: the ESMTP argument \"{argument}\" is not KEYWORD or KEYWORD=value (RFC 5321: letters, digits and '-', then printable ASCII without '=' or spaces).",
                    parameterName);
            }

            if (!allowed.Contains(keyword, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException(mta is MtaKind.Postfix or MtaKind.Sendmail
                    ? $"{operation}: {mta} does not keep the ESMTP argument \"{argument}\" ({What(forSender, mta)})."
                    : $"{operation}: neither Postfix nor Sendmail keeps the ESMTP argument \"{argument}\" (the MTA is not recognised yet; {What(forSender, mta)}).",
                    parameterName);
            }

            if (ValueProblem(keyword.ToUpperInvariant(), value) is { } problem)
                throw new ArgumentException($"{operation}: the ESMTP argument \"{argument}\" is invalid: {problem}.", parameterName);
        }
    }

    private static string[] Allowed(bool forSender, MtaKind mta) => (forSender, mta) switch
    {
        (false, _) => Recipient,
        (true, MtaKind.Postfix) => PostfixSender,
        (true, MtaKind.Sendmail) => SendmailSender,
        _ => SendmailSender, // not known yet: what either MTA keeps (Postfix's two are among Sendmail's)
    };

    private static string What(bool forSender, MtaKind mta) => (forSender, mta) switch
    {
        (false, _) => "an added recipient keeps only NOTIFY and ORCPT",
        (true, MtaKind.Postfix) => "a new sender keeps only RET and ENVID; others are dropped with a warning in Postfix's log",
        _ => "a new sender keeps only SIZE, BODY, ENVID, RET, AUTH and SMTPUTF8 behind Sendmail, and only RET and ENVID behind Postfix",
    };

    private static string? ValueProblem(string keyword, string? value) => keyword switch
    {
        "RET" => OneOf(value, "FULL", "HDRS") ? null : "RET takes FULL or HDRS",
        "ENVID" => value is { Length: > 0 and <= 100 } && IsXtext(value) ? null : "ENVID takes 1 to 100 characters of xtext (RFC 3461: '+' and '=' as +HH)",
        "NOTIFY" => IsNotify(value) ? null : "NOTIFY takes NEVER, or one or more of SUCCESS, FAILURE and DELAY separated by commas",
        "ORCPT" => IsOrcpt(value) ? null : "ORCPT takes TYPE;xtext, e.g. rfc822;user@example.com",
        "SIZE" => value is { Length: > 0 and <= 20 } && value.All(char.IsAsciiDigit) ? null : "SIZE takes a number of bytes",
        "BODY" => OneOf(value, "7BIT", "8BITMIME") ? null : "BODY takes 7BIT or 8BITMIME",
        "SMTPUTF8" => value is null ? null : "SMTPUTF8 takes no value",
        "AUTH" => value is { Length: > 0 } && IsXtext(value) ? null : "AUTH takes xtext or <>",
        _ => null,
    };

    private static bool IsKeyword(string keyword) =>
        keyword.Length > 0 && char.IsAsciiLetterOrDigit(keyword[0]) && keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    // RFC 5321 esmtp-value: %d33-60 / %d62-126.
    private static bool IsValue(string value) => value.Length > 0 && value.All(c => c is >= '!' and <= '~' and not '=');

    // RFC 3461 xtext: printable ASCII except '+' and '=', which appear only as +HH with upper-case hex.
    private static bool IsXtext(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigitUpper(value[i + 1]) || !char.IsAsciiHexDigitUpper(value[i + 2]))
                    return false;
                i += 2;
            }
            else if (value[i] is < '!' or > '~' or '=')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNotify(string? value)
    {
        if (value is null)
            return false;
        if (OneOf(value, "NEVER"))
            return true;
        var parts = value.Split(',');
        return parts.All(p => OneOf(p, "SUCCESS", "FAILURE", "DELAY")) && parts.Distinct(StringComparer.OrdinalIgnoreCase).Count() == parts.Length;
    }

    private static bool OneOf(string? value, params string[] choices) => value is not null && choices.Contains(value, StringComparer.OrdinalIgnoreCase);

    private static bool IsOrcpt(string? value)
    {
        var semicolon = value?.IndexOf(';', StringComparison.Ordinal) ?? -1;
        return semicolon > 0 && IsKeyword(value![..semicolon]) && semicolon < value.Length - 1 && IsXtext(value[(semicolon + 1)..]);
    }
}
