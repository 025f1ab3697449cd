using Milter.Protocol;

namespace Milter;

/// <summary>
/// Tells Postfix from Sendmail by what they send; both make the same offer at negotiation. Postfix sends a macro
/// packet before every command, before each HEADER and BODY too, and its <c>v</c> is "Postfix 3.7.11".
/// Sendmail sends macros only at its seven stages; its <c>v</c> is a bare "8.17.1.9", and only it has
/// <c>{if_name}</c>, <c>{if_addr}</c> and <c>{msg_id}</c>. (Both send empty macro packets, and both know
/// <c>{daemon_addr}</c> and <c>{client_addr}</c> when asked: no clue there.)
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

    /// <summary>What a HEADER or BODY says: without a macro packet for it just before, it is not Postfix.</summary>
    public static MtaKind FromCommand(MilterCommandCode command, byte macroFor) =>
        macroFor == (byte)command ? MtaKind.Postfix : MtaKind.Sendmail;
}
