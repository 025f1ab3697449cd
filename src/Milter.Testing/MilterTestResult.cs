using Milter.Client;
using Milter.Protocol;
using MimeKit;

namespace Milter.Testing;

/// <summary>
/// What happened to one message sent through a filter in a <see cref="MilterTest"/>: the verdict, the changes, and
/// the message as the MTA would deliver it, as a MimeKit <see cref="MimeMessage"/> with its envelope.
/// </summary>
public sealed class MilterTestResult
{
    private readonly Lazy<MimeMessage?> _message;

    /// <summary>Wraps a protocol-level outcome (from <see cref="MilterClient"/>).</summary>
    public MilterTestResult(MessageOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Outcome = outcome;
        _message = new(() => outcome.Delivered is { } delivered ? MimeMessage.Load(new MemoryStream(delivered.Message.ToBytes())) : null);
    }

    /// <summary>The outcome as the protocol saw it: raw header values, the exact responses.</summary>
    public MessageOutcome Outcome { get; }

    /// <summary>The message as it would be delivered after the filter's changes; null when it was rejected, tempfailed or discarded.</summary>
    public MimeMessage? Message => _message.Value;

    /// <summary>
    /// The envelope sender as delivered (after a change of sender), without angle brackets like every address here
    /// (<c>a@example.org</c>, empty for the null sender); null when the message was not delivered.
    /// <see cref="Outcome"/> keeps the addresses as they went over the wire.
    /// </summary>
    public string? Sender => Outcome.Delivered?.Sender is { } sender ? new Sender(sender).Address : null;

    /// <summary>
    /// The envelope recipients as delivered (after added and removed ones), without angle brackets, as
    /// <see cref="RefusedRecipients"/>; empty when the message was not delivered.
    /// </summary>
    public IReadOnlyList<string> Recipients => Outcome.Delivered?.Recipients.Select(r => new Recipient(r).Address).ToList() ?? [];

    /// <summary>Recipients the filter refused at RCPT, without angle brackets, as <see cref="Recipients"/>.</summary>
    public IReadOnlyList<string> RefusedRecipients => Outcome.RefusedRecipients;

    /// <summary>The answer that decided the message (CONTINUE or ACCEPT at end of message when it went through).</summary>
    public MilterResponse Verdict => Outcome.Verdict;

    /// <summary>The step whose answer decided the message.</summary>
    public MilterSteps DecidedAt => Outcome.DecidedAt;

    /// <summary>The changes the filter made at end of message, in order.</summary>
    public IReadOnlyList<MilterResponse> Actions => Outcome.Actions;

    /// <summary>The quarantine reason, when the filter quarantined the message.</summary>
    public string? QuarantineReason => Outcome.QuarantineReason;

    /// <summary>Whether the message would be delivered (possibly quarantined).</summary>
    public bool Accepted => Outcome.Accepted;

    /// <summary>Whether the filter rejected it permanently.</summary>
    public bool Rejected => Outcome.Rejected;

    /// <summary>Whether the filter failed it temporarily.</summary>
    public bool Tempfailed => Outcome.Tempfailed;

    /// <summary>Whether the filter discarded it.</summary>
    public bool Discarded => Outcome.Discarded;
}
