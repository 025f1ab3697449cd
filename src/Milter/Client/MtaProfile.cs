using Milter.Protocol;

namespace Milter.Client;

/// <summary>What the client offers in option negotiation and which habits of a real MTA it copies.</summary>
/// <param name="Name">A short name for output.</param>
/// <param name="Offer">The OPTNEG offer.</param>
/// <param name="SendsEmptyMacros">Send a MACRO packet before every event even when it has no macros, as Postfix does.</param>
/// <param name="AbortAfterMessage">Send ABORT after every message, as Postfix does.</param>
public sealed record MtaProfile(string Name, OptionNegotiation Offer, bool SendsEmptyMacros, bool AbortAfterMessage)
{
    /// <summary>The MTA whose default macros (and header rules) the client copies; <see cref="MtaKind.Unknown"/> for none.</summary>
    public MtaKind Kind { get; init; }

    /// <summary>
    /// Postfix's <c>milter_macro_defaults</c>: values sent for macros of a stage's list (Postfix's default list, or the
    /// milter's own request) that the message has no value for, e.g. <c>{auth_type}</c> = <c>none</c>. Names with or
    /// without braces are one name (<c>auth_type</c> is <c>{auth_type}</c>), as in main.cf. Only a Postfix profile sends them.
    /// </summary>
    public IReadOnlyDictionary<string, string> MacroDefaults { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Everything protocol version 6 defines (actions 0x1FF, protocol 0x1FFFFF), no default macros, no ABORT after a
    /// message, like OpenDKIM's miltertest. Milters built with this library cannot tell which MTA it is, so they send
    /// their changes exactly as libmilter does; it applies them with libmilter's documented meaning (Postfix's rules).
    /// </summary>
    public static MtaProfile Full { get; } = new("full", new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All), false, false);

    /// <summary>Postfix 3.7's offer and habits: its default macros, a macro packet before every command, ABORT after every message.</summary>
    public static MtaProfile Postfix { get; } = new("postfix", new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All), true, true) { Kind = MtaKind.Postfix };

    /// <summary>Sendmail 8.17's offer and habits: its default macros, only at its seven stages, no ABORT after a message.</summary>
    public static MtaProfile Sendmail { get; } = new("sendmail", new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All), false, false) { Kind = MtaKind.Sendmail };

    /// <summary>Whose rules apply the milter's changes: Sendmail's when the profile copies Sendmail, Postfix's (libmilter's documented meaning) otherwise.</summary>
    public MtaKind AppliesChangesAs => Kind == MtaKind.Sendmail ? MtaKind.Sendmail : MtaKind.Postfix;

    /// <summary>The profile with this name (full, postfix or sendmail).</summary>
    public static MtaProfile FromName(string name) => name.ToLowerInvariant() switch
    {
        "full" => Full,
        "postfix" => Postfix,
        "sendmail" => Sendmail,
        _ => throw new ArgumentException($"Unknown MTA profile \"{name}\"; use full, postfix or sendmail.", nameof(name)),
    };
}
