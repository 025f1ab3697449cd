namespace Milter.Protocol;

/// <summary>The command byte of a packet the milter sends to the MTA (SMFIR_* in libmilter's mfdef.h).</summary>
public enum MilterResponseCode : byte
{
    /// <summary>Add a recipient (SMFIR_ADDRCPT, '+'). End of message only.</summary>
    AddRecipient = (byte)'+',

    /// <summary>Remove a recipient (SMFIR_DELRCPT, '-'). End of message only.</summary>
    DeleteRecipient = (byte)'-',

    /// <summary>Add a recipient with ESMTP arguments (SMFIR_ADDRCPT_PAR, '2'). End of message only.</summary>
    AddRecipientWithParameters = (byte)'2',

    /// <summary>421: shut the SMTP session down (SMFIR_SHUTDOWN, '4'). Postfix only; Sendmail treats it as an error.</summary>
    Shutdown = (byte)'4',

    /// <summary>Accept the connection or message without further filtering (SMFIR_ACCEPT, 'a').</summary>
    Accept = (byte)'a',

    /// <summary>A piece of the replacement body (SMFIR_REPLBODY, 'b'). End of message only.</summary>
    ReplaceBody = (byte)'b',

    /// <summary>Go on (SMFIR_CONTINUE, 'c'). After end of message it means accept.</summary>
    Continue = (byte)'c',

    /// <summary>Accept and silently drop the message (SMFIR_DISCARD, 'd').</summary>
    Discard = (byte)'d',

    /// <summary>Change the envelope sender (SMFIR_CHGFROM, 'e'). End of message only.</summary>
    ChangeSender = (byte)'e',

    /// <summary>Cause a connection failure (SMFIR_CONN_FAIL, 'f'). Defined, but neither Postfix nor Sendmail accepts it.</summary>
    ConnectionFailure = (byte)'f',

    /// <summary>Append a header (SMFIR_ADDHEADER, 'h'). End of message only.</summary>
    AddHeader = (byte)'h',

    /// <summary>Insert a header at a position (SMFIR_INSHEADER, 'i'). End of message only.</summary>
    InsertHeader = (byte)'i',

    /// <summary>Change or delete a header (SMFIR_CHGHEADER, 'm'). End of message only.</summary>
    ChangeHeader = (byte)'m',

    /// <summary>Still working: restart the MTA's timeout (SMFIR_PROGRESS, 'p').</summary>
    Progress = (byte)'p',

    /// <summary>Put the message on hold with a reason (SMFIR_QUARANTINE, 'q'). End of message only.</summary>
    Quarantine = (byte)'q',

    /// <summary>Reject with the MTA's default 5xx (SMFIR_REJECT, 'r').</summary>
    Reject = (byte)'r',

    /// <summary>Skip the rest of the body (SMFIR_SKIP, 's'). Only as the reply to a body chunk, and only when negotiated.</summary>
    Skip = (byte)'s',

    /// <summary>Temporary failure with the MTA's default 4xx (SMFIR_TEMPFAIL, 't').</summary>
    Tempfail = (byte)'t',

    /// <summary>Reject or temporarily fail with a custom SMTP reply (SMFIR_REPLYCODE, 'y').</summary>
    ReplyCode = (byte)'y',

    /// <summary>The milter's answer to option negotiation (SMFIC_OPTNEG, 'O').</summary>
    OptionNegotiation = (byte)'O',
}
