using Milter.Protocol;

namespace Milter.Client;

/// <summary>
/// Postfix's <c>milter_macro_defaults</c> (Postfix 3.1 and later): for each macro Postfix would send at a stage (the
/// milter's own list for that stage when it asked for one, else Postfix's default list), a value from the defaults when
/// the message has none. Names compare as Postfix compares them: <c>auth_type</c> and <c>{auth_type}</c> are one name.
/// </summary>
internal static class PostfixMacroDefaults
{
    /// <summary>Postfix's default lists (milter_connect_macros, milter_helo_macros, ...), 3.7 to 3.12, by stage letter.</summary>
    private static readonly Dictionary<char, string[]> Lists = new()
    {
        ['C'] = ["j", "{daemon_name}", "{daemon_addr}", "v", "_"],
        ['H'] = ["{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"],
        ['M'] = ["i", "{auth_type}", "{auth_authen}", "{auth_author}", "{mail_addr}", "{mail_host}", "{mail_mailer}"],
        ['R'] = ["i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"],
        ['T'] = ["i"],
        ['N'] = ["i"],
        ['E'] = ["i"],
    };

    private static readonly Dictionary<char, MacroStage> Stages = new()
    {
        ['C'] = MacroStage.Connect, ['H'] = MacroStage.Helo, ['M'] = MacroStage.Mail, ['R'] = MacroStage.Rcpt,
        ['T'] = MacroStage.Data, ['N'] = MacroStage.EndOfHeaders, ['E'] = MacroStage.EndOfMessage,
    };

    /// <summary>
    /// <paramref name="macros"/> with a default added for every name of the stage's list that has no value;
    /// <paramref name="macros"/> itself when no default applies.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>>? Apply(char stage, IEnumerable<KeyValuePair<string, string>>? macros,
        IReadOnlyDictionary<string, string> defaults, IReadOnlyList<MacroRequest> requests)
    {
        if (defaults.Count == 0 || !Lists.TryGetValue(stage, out var names))
            return macros;
        if (requests.FirstOrDefault(r => r.Stage == Stages[stage]) is { } request)
            names = [.. request.Names];
        var given = macros?.ToList() ?? [];
        var present = given.Select(m => Canonical(m.Key)).ToHashSet(StringComparer.Ordinal);
        var byName = defaults.ToDictionary(d => Canonical(d.Key), d => d.Value, StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!present.Contains(Canonical(name)) && byName.TryGetValue(Canonical(name), out var value))
                given.Add(new(name, value));
        }

        return given;
    }

    private static string Canonical(string name) => name.StartsWith('{') ? name : $"{{{name}}}";
}
