namespace Milter;

/// <summary>The MTA on the other end of a milter connection, as far as the runtime could tell.</summary>
public enum MtaKind
{
    /// <summary>Not (yet) recognised, e.g. a test client that sends no macros: header changes are sent exactly as libmilter sends them.</summary>
    Unknown,

    /// <summary>Postfix (its <c>v</c> macro, or a macro packet before a HEADER or BODY, which only Postfix sends).</summary>
    Postfix,

    /// <summary>Sendmail (a <c>v</c> that is not Postfix's, <c>{if_name}</c>, <c>{if_addr}</c> or <c>{msg_id}</c>).</summary>
    Sendmail,
}
