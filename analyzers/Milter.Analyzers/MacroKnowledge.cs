using System.Collections.Generic;
using Milter.Generators.Model;

namespace Milter.Analyzers;

/// <summary>When the MTAs first send the well-known macros (Sendmail 8.17 and Postfix 3.x defaults and documentation).</summary>
internal static class MacroKnowledge
{
    // Protocol order: connect 0, helo 1, mail 2, rcpt 3, data 4, end of headers 5, end of message 6.
    private static readonly Dictionary<string, int> FirstStage = new()
    {
        ["{tls_version}"] = 1, ["{cipher}"] = 1, ["{cipher_bits}"] = 1, ["{cert_subject}"] = 1, ["{cert_issuer}"] = 1,
        ["i"] = 2, ["{auth_type}"] = 2, ["{auth_authen}"] = 2, ["{auth_ssf}"] = 2, ["{auth_author}"] = 2,
        ["{mail_mailer}"] = 2, ["{mail_host}"] = 2, ["{mail_addr}"] = 2,
        ["{rcpt_mailer}"] = 3, ["{rcpt_host}"] = 3, ["{rcpt_addr}"] = 3,
        ["{msg_id}"] = 6,
    };

    private static readonly string[] StageNames = { "Connect", "Helo", "Mail", "Rcpt", "Data", "EndOfHeaders", "EndOfMessage" };

    /// <summary>The protocol-order stage at which a handler runs, or -1 where macros mean nothing (abort, close).</summary>
    public static int StageOf(MilterEvent e) => e switch
    {
        MilterEvent.Connect or MilterEvent.Unknown => 0,
        MilterEvent.Helo => 1,
        MilterEvent.Mail => 2,
        MilterEvent.Rcpt => 3,
        MilterEvent.Data or MilterEvent.Header => 4,
        MilterEvent.EndOfHeaders or MilterEvent.Body => 5,
        MilterEvent.EndOfMessage => 6,
        _ => -1,
    };

    /// <summary>The stage a well-known macro is first sent at, or -1 when it is not one we know.</summary>
    public static int FirstStageOf(string name) => FirstStage.TryGetValue(Braced(name), out var stage) ? stage : -1;

    public static string StageName(int stage) => StageNames[stage];

    /// <summary>Macros are the same with and without braces; single letters have none.</summary>
    public static string Braced(string name) => name.Length > 1 && name[0] != '{' ? "{" + name + "}" : name;
}
