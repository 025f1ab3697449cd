namespace Milter;

/// <summary>
/// The message changes a milter may make at end of message (SMFIF_* in libmilter's mfapi.h).
/// The MTA offers a set in option negotiation and the milter requests a subset.
/// </summary>
[Flags]
#pragma warning disable CA1028 // The wire format is an unsigned 32-bit mask.
public enum ActionFlags : uint
#pragma warning restore CA1028
{
    /// <summary>No actions.</summary>
    None = 0,

    /// <summary>Add and insert headers (SMFIF_ADDHDRS).</summary>
    AddHeaders = 0x001,

    /// <summary>Replace the body (SMFIF_CHGBODY, also SMFIF_MODBODY).</summary>
    ChangeBody = 0x002,

    /// <summary>Add recipients (SMFIF_ADDRCPT).</summary>
    AddRecipients = 0x004,

    /// <summary>Remove recipients (SMFIF_DELRCPT).</summary>
    DeleteRecipients = 0x008,

    /// <summary>Change or delete headers (SMFIF_CHGHDRS).</summary>
    ChangeHeaders = 0x010,

    /// <summary>Quarantine the message (SMFIF_QUARANTINE).</summary>
    Quarantine = 0x020,

    /// <summary>Change the envelope sender (SMFIF_CHGFROM).</summary>
    ChangeSender = 0x040,

    /// <summary>Add recipients with ESMTP arguments (SMFIF_ADDRCPT_PAR).</summary>
    AddRecipientsWithParameters = 0x080,

    /// <summary>Send macro request lists in the negotiation reply (SMFIF_SETSYMLIST).</summary>
    SetMacroLists = 0x100,

    /// <summary>What a version 1 MTA allows; assumed when the MTA offers 0 (SMFI_V1_ACTS).</summary>
    Version1Defaults = 0x0F,

    /// <summary>Every action protocol version 6 defines (SMFI_CURR_ACTS).</summary>
    All = 0x1FF,
}
