using Milter.Protocol;

namespace Milter.Client;

/// <summary>
/// The macros a real MTA sends with its default configuration, stage by stage, with values made from the envelope,
/// as seen in the Postfix 3.7 and Sendmail 8.17 captures. Postfix has no queue id before the first recipient is
/// accepted and repeats <c>i</c> before every later command; Sendmail has it from MAIL on and sends
/// <c>{msg_id}</c> at end of message. With a Postfix profile, its <see cref="MtaProfile.MacroDefaults"/> fill in the
/// macros of a stage's list that have no value.
/// </summary>
internal sealed class MtaMacros(MtaProfile profile, Envelope envelope, IReadOnlyList<MacroRequest> requests)
{
    private const string HostName = "mta.example";
    private readonly string _queueId = profile.Kind == MtaKind.Sendmail ? NewId(14) : NewId(11).ToUpperInvariant();
    private int _recipients;

    /// <summary>The macros for one stage: the MTA's defaults overridden by the envelope's own, then Postfix's macro defaults.</summary>
    public IEnumerable<KeyValuePair<string, string>>? For(char stage, string? recipient = null) =>
        profile.Kind == MtaKind.Postfix ? PostfixMacroDefaults.Apply(stage, Given(stage, recipient), profile.MacroDefaults, requests) : Given(stage, recipient);

    private IEnumerable<KeyValuePair<string, string>>? Given(char stage, string? recipient)
    {
        var defaults = Defaults(stage, recipient);
        var given = envelope.MacrosFor(stage);
        if (defaults is null)
            return given;
        if (given is null)
            return defaults;
        var merged = defaults.ToDictionary(StringComparer.Ordinal);
        foreach (var (name, value) in given)
            merged[name] = value;
        return merged;
    }

    private Dictionary<string, string>? Defaults(char stage, string? recipient) => (profile.Kind, stage) switch
    {
        (MtaKind.Postfix, 'C') => new()
        {
            ["j"] = HostName, ["{daemon_name}"] = HostName, ["{daemon_addr}"] = "127.0.0.1", ["v"] = "Postfix 3.7.11", ["_"] = Client,
        },
        (MtaKind.Postfix, 'M') => Mail("smtp"),
        (MtaKind.Postfix, 'R') => Rcpt(recipient, "smtp", withQueueId: _recipients++ > 0),
        (MtaKind.Postfix, 'T' or 'N' or 'L' or 'B' or 'E') => new() { ["i"] = _queueId },
        (MtaKind.Sendmail, 'C') => new() { ["j"] = HostName, ["_"] = Client, ["{daemon_name}"] = "MTA", ["{if_name}"] = "localhost" },
        (MtaKind.Sendmail, 'M') => new(Mail("relay")) { ["i"] = _queueId },
        (MtaKind.Sendmail, 'R') => Rcpt(recipient, "relay", withQueueId: false),
        (MtaKind.Sendmail, 'E') => new() { ["{msg_id}"] = $"<{_queueId}@{HostName}>" },
        _ => null,
    };

    private string Client => $"{envelope.ClientHostName} [{envelope.ClientAddress}]";

    private Dictionary<string, string> Mail(string mailer) => new()
    {
        ["{mail_addr}"] = Bare(envelope.Sender), ["{mail_host}"] = Domain(envelope.Sender), ["{mail_mailer}"] = mailer,
    };

    private Dictionary<string, string> Rcpt(string? recipient, string mailer, bool withQueueId)
    {
        var macros = new Dictionary<string, string>
        {
            ["{rcpt_addr}"] = Bare(recipient ?? ""), ["{rcpt_host}"] = Domain(recipient ?? ""), ["{rcpt_mailer}"] = mailer,
        };
        if (withQueueId)
            macros["i"] = _queueId;
        return macros;
    }

    private static string Bare(string address) => address.Trim('<', '>');

    private static string Domain(string address)
    {
        var bare = Bare(address);
        return bare[(bare.LastIndexOf('@') + 1)..];
    }

    private static string NewId(int length) => Convert.ToHexString(Guid.NewGuid().ToByteArray())[..length];
}
