using Milter.Protocol;

namespace Milter;

/// <summary>
/// Tells Postfix from Sendmail by what they send, and only on positive evidence; both make the same offer at
/// negotiation. Until something tells, the MTA is <see cref="MtaKind.Unknown"/> and header changes go out exactly as
/// libmilter sends them, which is what test clients such as OpenDKIM's miltertest and load tools expect: they send no
/// macros at all, or only the ones their script chooses.
/// <list type="bullet">
/// <item>Postfix: its <c>v</c> ("Postfix 3.7.11"), or a macro packet for a HEADER or BODY (it sends one before every
/// command; Sendmail only at its seven stages).</item>
/// <item>Sendmail: a <c>v</c> that does not start with "Postfix" (Sendmail's is a bare "8.17.1.9"), or one of the macros
/// only it has: <c>{if_name}</c>, <c>{if_addr}</c> (its defaults at CONNECT) and <c>{msg_id}</c> (at end of message).</item>
/// </list>
/// Not evidence: HEADER without a macro packet before it (miltertest does that too), empty macro packets (both send
/// them), <c>{daemon_addr}</c> and <c>{client_addr}</c> (both know them when asked).
/// </summary>
internal static class MtaRecognizer
{
    /// <summary>What a macro packet says about the MTA.</summary>
    public static MtaKind FromMacros(in MacroCommand macros)
    {
        if (macros.ForCommand is (byte)MilterCommandCode.Header or (byte)MilterCommandCode.Body)
            return MtaKind.Postfix;
        foreach (var pair in macros)
        {
            var name = pair.Name.Span.Trim("{}"u8);
            if (name.SequenceEqual("v"u8))
                return pair.Value.Span.StartsWith("Postfix"u8) ? MtaKind.Postfix : MtaKind.Sendmail;
            if (name.SequenceEqual("if_name"u8) || name.SequenceEqual("if_addr"u8) || name.SequenceEqual("msg_id"u8))
                return MtaKind.Sendmail;
        }

        return MtaKind.Unknown;
    }
}
