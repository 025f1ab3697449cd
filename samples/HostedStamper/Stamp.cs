using Microsoft.Extensions.Logging;
using Milter;

namespace HostedStamper;

/// <summary>Stamps each message with the time it was checked; its constructor parameters come from the host's container.</summary>
[MailFilter("hosted-stamper")]
public partial class Stamp(TimeProvider clock, ILogger<Stamp> log)
{
    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        var now = clock.GetUtcNow();
        log.LogInformation("Stamping message {QueueId}", message.QueueId);
        message.AddHeader("X-Checked-At", now.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        return MilterVerdict.Accept;
    }
}
