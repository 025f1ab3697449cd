namespace Milter.ProcessHost;

/// <summary>Stamps a header, or with <see cref="Stuck"/> blocks its thread at end of message and never returns.</summary>
[MailFilter("process-host")]
public partial class Stamp
{
    public static bool Stuck { get; set; }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        if (Stuck)
            Thread.Sleep(Timeout.Infinite);
        message.AddHeader("X-Process-Host", "yes");
        return MilterVerdict.Accept;
    }
}
