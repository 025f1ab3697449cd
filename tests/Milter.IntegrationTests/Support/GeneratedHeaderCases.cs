namespace Milter.IntegrationTests.Support;

/// <summary>
/// The cases for headers an MTA generates or keeps for itself (Date, Message-Id, From, Resent-Date): X-Case "OP NAME"
/// makes <see cref="ScenarioMilter"/> do one change, "py OP NAME" makes the libmilter reference (milters/header_milter.py,
/// pymilter) make the same libmilter call, so the tests compare what the MTA delivers for each.
/// <list type="bullet">
/// <item>add: AddHeader (smfi_addheader);</item>
/// <item>ensure: AddHeader only when the milter was shown no header of that name (a filter that means one);</item>
/// <item>change: ChangeHeader of the first (smfi_chgheader 1);</item>
/// <item>delete: DeleteHeader of the first (smfi_chgheader 1 with an empty value).</item>
/// </list>
/// </summary>
internal static class GeneratedHeaderCases
{
    public static readonly string[] Operations = ["add", "ensure", "change", "delete"];

    public static readonly string[] Names = ["Date", "Message-Id", "From", "Resent-Date"];

    /// <summary>The value each header gets from either milter (header_milter.py has the same table).</summary>
    public static string ValueFor(string name) => name.ToLowerInvariant() switch
    {
        "date" => "Tue, 01 Dec 2026 12:00:00 +0000",
        "resent-date" => "Tue, 01 Dec 2026 12:30:00 +0000",
        "message-id" => "<by-the-milter@origin.test>",
        "from" => "Milter <milter@origin.test>",
        _ => "set by the milter",
    };

    /// <summary>
    /// The message's own headers for a case: From, Date and Message-ID, less <paramref name="name"/> when the message lacks
    /// it; with it, a Resent-Date too when that is the case's header (which makes the message a resent one).
    /// </summary>
    public static string HeadersFor(string name, bool present)
    {
        string[] all = ["From: <sender@origin.test>", "Date: Mon, 23 Nov 2026 10:00:00 +0000", "Message-ID: <orig@origin.test>"];
        var kept = all.Where(h => present || !h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
        if (present && name == "Resent-Date")
            kept = kept.Append("Resent-Date: Mon, 23 Nov 2026 11:00:00 +0000");
        return string.Concat(kept.Select(h => h + "\n"));
    }

    /// <summary>Makes the change a case asks for; false when the case is not one of these.</summary>
    public static bool Apply(string? scenario, IReadOnlyCollection<string> seen, EndOfMessageContext message)
    {
        var words = scenario?.Split(' ') ?? [];
        if (words.Length != 2 || !Operations.Contains(words[0]))
            return false;
        var (operation, name) = (words[0], words[1]);
        if (operation == "add" || (operation == "ensure" && !seen.Contains(name, StringComparer.OrdinalIgnoreCase)))
            message.AddHeader(name, ValueFor(name));
        else if (operation == "change")
            message.ChangeHeader(name, ValueFor(name));
        else if (operation == "delete")
            message.DeleteHeader(name);
        return true;
    }
}
