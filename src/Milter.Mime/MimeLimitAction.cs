namespace Milter.Mime;

/// <summary>What to answer for a message over <see cref="MessageCaptureOptions.MaxParts"/> or <see cref="MessageCaptureOptions.MaxDecodedSize"/>.</summary>
public enum MimeLimitAction
{
    /// <summary>451 4.7.0: the MTA keeps the message and retries; the sender sees a delay, not a loss.</summary>
    Tempfail,

    /// <summary>554 5.6.0: the message is refused.</summary>
    Reject,

    /// <summary>The message is accepted without being looked into.</summary>
    Accept,
}
