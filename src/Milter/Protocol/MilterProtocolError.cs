namespace Milter.Protocol;

/// <summary>What kind of protocol violation a <see cref="MilterProtocolException"/> reports.</summary>
public enum MilterProtocolError
{
    /// <summary>A frame whose length field is 0 (a packet must at least hold its command byte).</summary>
    ZeroLength,

    /// <summary>A frame whose length field exceeds the configured maximum.</summary>
    FrameTooLarge,

    /// <summary>The peer closed the connection in the middle of a frame.</summary>
    TruncatedFrame,

    /// <summary>A command or response byte this protocol does not define.</summary>
    UnknownCommand,

    /// <summary>A payload that does not have the structure its command requires.</summary>
    MalformedPayload,

    /// <summary>A command that is not valid in the current state of the session.</summary>
    OutOfOrder,

    /// <summary>Option negotiation failed: the MTA cannot give the milter what it needs.</summary>
    Negotiation,

    /// <summary>The peer did not answer in time.</summary>
    Timeout,

    /// <summary>The peer sent something where the protocol says it must stay silent, or nothing where it must answer.</summary>
    UnexpectedReply,
}
