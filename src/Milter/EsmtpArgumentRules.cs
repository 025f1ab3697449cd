// The analyzers compile this file too, without the runtime's implicit usings.
#pragma warning disable IDE0005
using System;
using System.Linq;
#pragma warning restore IDE0005

namespace Milter;

/// <summary>
/// The pure rules for the ESMTP arguments of a new sender or an added recipient: syntax (RFC 5321 esmtp-param), the
/// keywords Postfix and Sendmail keep, and the DSN values as RFC 3461 spells them. Compiled into the runtime
/// (<c>EsmtpArgumentCheck</c>) and linked into the analyzers (MILTER022), so both judge a string alike;
/// hence netstandard2.0 APIs only.
/// </summary>
internal static class EsmtpArgumentRules
{
    private static readonly string[] PostfixSender = ["RET", "ENVID"];
    private static readonly string[] SendmailSender = ["SIZE", "BODY", "ENVID", "RET", "AUTH", "SMTPUTF8"];
    private static readonly string[] Recipient = ["NOTIFY", "ORCPT"];

    /// <summary>The arguments of one call, separated by spaces.</summary>
    public static string[] Split(string arguments) => arguments.Split([' '], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Splits <c>KEYWORD[=value]</c>; false when either part breaks RFC 5321's syntax.</summary>
    public static bool TryParse(string argument, out string keyword, out string? value)
    {
        var equals = argument.IndexOf('=');
        keyword = equals < 0 ? argument : argument.Substring(0, equals);
        value = equals < 0 ? null : argument.Substring(equals + 1);
        return IsKeyword(keyword) && (value is null || IsValue(value));
    }

    /// <summary>Whether Postfix keeps the keyword (Postfix 3.7 smtpd/cleanup: RET, ENVID for a sender; NOTIFY, ORCPT for a recipient).</summary>
    public static bool PostfixKeeps(string keyword, bool forSender) => Contains(forSender ? PostfixSender : Recipient, keyword);

    /// <summary>Whether Sendmail keeps the keyword (it reads them as MAIL or RCPT parameters).</summary>
    public static bool SendmailKeeps(string keyword, bool forSender) => Contains(forSender ? SendmailSender : Recipient, keyword);

    /// <summary>What is wrong with a kept keyword's value, or null.</summary>
    public static string? ValueProblem(string keyword, string? value) => keyword.ToUpperInvariant() switch
    {
        "RET" => OneOf(value, "FULL", "HDRS") ? null : "RET takes FULL or HDRS",
        "ENVID" => value is { Length: > 0 and <= 100 } && IsXtext(value) ? null : "ENVID takes 1 to 100 characters of xtext (RFC 3461: '+' and '=' as +HH)",
        "NOTIFY" => IsNotify(value) ? null : "NOTIFY takes NEVER, or one or more of SUCCESS, FAILURE and DELAY separated by commas",
        "ORCPT" => IsOrcpt(value) ? null : "ORCPT takes TYPE;xtext, e.g. rfc822;user@example.com",
        "SIZE" => value is { Length: > 0 and <= 20 } && value.All(c => c is >= '0' and <= '9') ? null : "SIZE takes a number of bytes",
        "BODY" => OneOf(value, "7BIT", "8BITMIME") ? null : "BODY takes 7BIT or 8BITMIME",
        "SMTPUTF8" => value is null ? null : "SMTPUTF8 takes no value",
        "AUTH" => value is { Length: > 0 } && IsXtext(value) ? null : "AUTH takes xtext or <>",
        _ => null,
    };

    private static bool Contains(string[] keywords, string keyword) => keywords.Contains(keyword, StringComparer.OrdinalIgnoreCase);

    private static bool IsKeyword(string keyword) =>
        keyword.Length > 0 && IsLetterOrDigit(keyword[0]) && keyword.All(c => IsLetterOrDigit(c) || c == '-');

    private static bool IsLetterOrDigit(char c) => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9';

    private static bool IsUpperHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F';

    // RFC 5321 esmtp-value: %d33-60 / %d62-126.
    private static bool IsValue(string value) => value.Length > 0 && value.All(c => c is >= '!' and <= '~' and not '=');

    // RFC 3461 xtext: printable ASCII except '+' and '=', which appear only as +HH with upper-case hex.
    private static bool IsXtext(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '+')
            {
                if (i + 2 >= value.Length || !IsUpperHex(value[i + 1]) || !IsUpperHex(value[i + 2]))
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
        var semicolon = value?.IndexOf(';') ?? -1;
        return semicolon > 0 && IsKeyword(value!.Substring(0, semicolon)) && semicolon < value.Length - 1 && IsXtext(value.Substring(semicolon + 1));
    }
}
