namespace Milter;

/// <summary>
/// The stages a milter can request macros for in option negotiation (SMFIM_* in mfapi.h).
/// The wire numbers are not in protocol order: end of message is 5 and end of headers is 6.
/// </summary>
#pragma warning disable CA1028 // The wire format is an unsigned 32-bit number.
public enum MacroStage : uint
#pragma warning restore CA1028
{
    /// <summary>Macros sent with CONNECT (SMFIM_CONNECT).</summary>
    Connect = 0,

    /// <summary>Macros sent with HELO (SMFIM_HELO).</summary>
    Helo = 1,

    /// <summary>Macros sent with MAIL (SMFIM_ENVFROM).</summary>
    Mail = 2,

    /// <summary>Macros sent with RCPT (SMFIM_ENVRCPT).</summary>
    Rcpt = 3,

    /// <summary>Macros sent with DATA (SMFIM_DATA).</summary>
    Data = 4,

    /// <summary>Macros sent with end of message (SMFIM_EOM).</summary>
    EndOfMessage = 5,

    /// <summary>Macros sent with end of headers (SMFIM_EOH).</summary>
    EndOfHeaders = 6,
}
