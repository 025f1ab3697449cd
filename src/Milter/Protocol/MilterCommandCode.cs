namespace Milter.Protocol;

/// <summary>The command byte of a packet the MTA sends to the milter (SMFIC_* in libmilter's mfdef.h).</summary>
public enum MilterCommandCode : byte
{
    /// <summary>Abort the current message (SMFIC_ABORT, 'A'). No reply.</summary>
    Abort = (byte)'A',

    /// <summary>A chunk of the message body (SMFIC_BODY, 'B').</summary>
    Body = (byte)'B',

    /// <summary>Connection information (SMFIC_CONNECT, 'C').</summary>
    Connect = (byte)'C',

    /// <summary>Macro definitions for the command that follows (SMFIC_MACRO, 'D'). No reply.</summary>
    Macro = (byte)'D',

    /// <summary>End of the body: the end-of-message step (SMFIC_BODYEOB, 'E').</summary>
    EndOfBody = (byte)'E',

    /// <summary>The HELO/EHLO argument (SMFIC_HELO, 'H').</summary>
    Helo = (byte)'H',

    /// <summary>Quit this SMTP session but keep the connection for a new one (SMFIC_QUIT_NC, 'K'). No reply.</summary>
    QuitNewConnection = (byte)'K',

    /// <summary>One header field (SMFIC_HEADER, 'L').</summary>
    Header = (byte)'L',

    /// <summary>MAIL FROM: the sender and its ESMTP arguments (SMFIC_MAIL, 'M').</summary>
    Mail = (byte)'M',

    /// <summary>End of the headers (SMFIC_EOH, 'N').</summary>
    EndOfHeaders = (byte)'N',

    /// <summary>Option negotiation (SMFIC_OPTNEG, 'O').</summary>
    OptionNegotiation = (byte)'O',

    /// <summary>Quit: the session is over (SMFIC_QUIT, 'Q'). No reply.</summary>
    Quit = (byte)'Q',

    /// <summary>RCPT TO: one recipient and its ESMTP arguments (SMFIC_RCPT, 'R').</summary>
    Rcpt = (byte)'R',

    /// <summary>The client sent DATA (SMFIC_DATA, 'T'); protocol version 4 and later.</summary>
    Data = (byte)'T',

    /// <summary>An SMTP command the MTA does not know (SMFIC_UNKNOWN, 'U'); protocol version 3 and later.</summary>
    Unknown = (byte)'U',
}
