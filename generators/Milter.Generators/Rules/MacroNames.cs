namespace Milter.Generators.Rules;

/// <summary>
/// Macro names as Sendmail parses them (macid in sendmail/macro.c) and Postfix spells them: one character, or a
/// name of ASCII letters, digits and underscores in braces. Anything else reaches the MTA as a name it never sends.
/// </summary>
internal static class MacroNames
{
    /// <summary>What is wrong with a macro name, or null when it is well formed.</summary>
    /// <param name="name">The name as written.</param>
    /// <param name="requested">
    /// True when the name goes to the MTA in a request list ([Macro], [RequestMacros]): a long name must then carry
    /// its braces. A lookup in MilterMacros accepts <c>auth_authen</c> for <c>{auth_authen}</c>.
    /// </param>
    public static string? Problem(string name, bool requested)
    {
        if (name.Length == 0)
            return "the name is empty; write a one-character name such as i, or a long one in braces such as {auth_authen}";
        if (name.Length == 1)
            return IsNameCharacter(name[0]) ? null : $"'{name}' is not a letter, digit or underscore";
        if (name[0] != '{')
        {
            if (name.IndexOfAny(new[] { '{', '}' }) >= 0)
                return "braces must enclose the whole name, as in {auth_authen}";
            if (!AllNameCharacters(name, 0, name.Length))
                return InvalidCharacter(name, 0, name.Length);
            return requested ? $"a name longer than one character goes in braces ({{{name}}}): Sendmail would read only its first letter" : null;
        }

        if (name[name.Length - 1] != '}')
            return name.IndexOf('}') >= 0 ? "text follows the closing brace" : "the opening brace is never closed; end the name with }";
        if (name.Length == 2)
            return "the braces are empty";
        if (name[1] == '{' || name.IndexOf('}') < name.Length - 1)
            return "braces cannot be nested or repeated; write one pair, as in {auth_authen}";
        return AllNameCharacters(name, 1, name.Length - 1) ? null : InvalidCharacter(name, 1, name.Length - 1);
    }

    private static bool IsNameCharacter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';

    private static bool AllNameCharacters(string name, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (!IsNameCharacter(name[i]))
                return false;
        }

        return true;
    }

    private static string InvalidCharacter(string name, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (!IsNameCharacter(name[i]))
                return name[i] == ' ' ? "it contains a space; a macro name has only ASCII letters, digits and underscores" : $"'{name[i]}' is not allowed; a macro name has only ASCII letters, digits and underscores";
        }

        return string.Empty;
    }
}
