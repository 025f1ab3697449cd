using Milter.Protocol;

namespace Milter.Client;

/// <summary>What happened to one message sent through a milter.</summary>
/// <param name="Verdict">The answer that decided the message (CONTINUE or ACCEPT at end of message when it went through).</param>
/// <param name="DecidedAt">The step whose answer decided it.</param>
/// <param name="Actions">The changes the milter asked for at end of message, in order.</param>
/// <param name="RefusedRecipients">Recipients the milter refused at RCPT.</param>
/// <param name="Delivered">The message as the MTA would deliver it after applying the changes; null when rejected, tempfailed or discarded.</param>
/// <param name="QuarantineReason">The reason, when the milter quarantined the message.</param>
public sealed record MessageOutcome(
    MilterResponse Verdict,
    MilterSteps DecidedAt,
    IReadOnlyList<MilterResponse> Actions,
    IReadOnlyList<string> RefusedRecipients,
    DeliveredMessage? Delivered,
    string? QuarantineReason)
{
    /// <summary>Whether the message would be delivered (possibly quarantined).</summary>
    public bool Accepted => Delivered is not null;

    /// <summary>Whether the milter rejected it permanently (REJECT or a 5xx reply).</summary>
    public bool Rejected => Verdict.Code == MilterResponseCode.Reject || Verdict is ReplyCodeResponse { Reply.IsPermanent: true };

    /// <summary>Whether the milter failed it temporarily (TEMPFAIL or a 4xx reply).</summary>
    public bool Tempfailed => Verdict.Code == MilterResponseCode.Tempfail || Verdict is ReplyCodeResponse { Reply.IsPermanent: false };

    /// <summary>Whether the milter discarded it.</summary>
    public bool Discarded => Verdict.Code == MilterResponseCode.Discard;
}

/// <summary>A message as it would be delivered: the envelope after the milter's changes, and the message.</summary>
public sealed record DeliveredMessage(string Sender, IReadOnlyList<string> Recipients, MailMessage Message);
