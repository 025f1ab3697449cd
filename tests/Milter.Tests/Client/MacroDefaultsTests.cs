using System.Text;
using Milter.Client;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Client;

/// <summary>
/// Postfix's milter_macro_defaults in the Postfix profile: a macro of the stage's list that the message has no value
/// for is sent with the default; a value the message has wins; names match with or without braces; the milter's own
/// list replaces Postfix's; other profiles send no defaults.
/// </summary>
public class MacroDefaultsTests
{
    private const string Message = "From: <sender@origin.test>\r\nSubject: hello\r\n\r\nBody.\r\n";

    private sealed class MailMacros(List<(string? Type, string? Authen, string? Custom)> seen) : MilterHandler
    {
        public override ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken)
        {
            seen.Add((context.Macros["{auth_type}"], context.Macros["{auth_authen}"], context.Macros["{custom}"]));
            return Continue;
        }
    }

    private static async Task<(string? Type, string? Authen, string? Custom)> MailMacrosSeenAsync(MtaProfile profile, Envelope envelope, MacroRequest? request = null)
    {
        var seen = new List<(string?, string?, string?)>();
        var description = new MilterDescription
        {
            Steps = MilterSteps.Mail,
            Actions = request is null ? ActionFlags.None : ActionFlags.SetMacroLists,
            Macros = request is null ? [] : [request],
        };
        var connection = new InMemoryConnection();
        var session = new MilterSession(MilterHandlerFactory.Create(description, () => new MailMacros(seen)), new MilterSessionOptions { ProgressInterval = null });
        _ = Task.Run(() => session.RunAsync(connection.MilterSide));
        await using var client = new MilterClient(connection.MtaSide, profile);
        await client.SendMessageAsync(envelope, MailMessage.Parse(Encoding.ASCII.GetBytes(Message)));
        return Assert.Single(seen);
    }

    private static readonly Envelope Plain = new("sender@origin.test", ["rcpt@dest.test"]);

    [Fact]
    public async Task A_macro_of_Postfix_s_list_without_a_value_gets_its_default_and_only_then()
    {
        var withDefaults = MtaProfile.Postfix with { MacroDefaults = new Dictionary<string, string> { ["auth_type"] = "none", ["{custom}"] = "x" } };

        Assert.Equal((null, null, null), await MailMacrosSeenAsync(MtaProfile.Postfix, Plain));
        // {auth_type} is in milter_mail_macros; {custom} is in no list, so Postfix sends no default for it.
        Assert.Equal(("none", null, null), await MailMacrosSeenAsync(withDefaults, Plain));
        var authenticated = Plain with { Macros = new Dictionary<char, IReadOnlyDictionary<string, string>> { ['M'] = new Dictionary<string, string> { ["{auth_type}"] = "PLAIN" } } };
        Assert.Equal(("PLAIN", null, null), await MailMacrosSeenAsync(withDefaults, authenticated));
        Assert.Equal((null, null, null), await MailMacrosSeenAsync(MtaProfile.Sendmail with { MacroDefaults = withDefaults.MacroDefaults }, Plain));
    }

    [Fact]
    public async Task The_milter_s_own_list_replaces_Postfix_s_for_the_defaults_too()
    {
        var withDefaults = MtaProfile.Postfix with { MacroDefaults = new Dictionary<string, string> { ["auth_type"] = "none", ["custom"] = "x" } };

        var seen = await MailMacrosSeenAsync(withDefaults, Plain, new MacroRequest(MacroStage.Mail, ["{custom}"]));

        Assert.Equal(("x", null), (seen.Custom, seen.Type));   // {auth_type} is no longer in the list
    }
}
