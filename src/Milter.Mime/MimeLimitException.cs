namespace Milter.Mime;

/// <summary>The captured message is over a limit of its <see cref="MessageCaptureOptions"/> and was not parsed.</summary>
public sealed class MimeLimitException : InvalidOperationException
{
    /// <summary>Creates the exception with the verdict the options call for.</summary>
    public MimeLimitException(string message, MilterVerdict verdict)
        : base(message)
    {
        Verdict = verdict;
    }

    /// <summary>The answer <see cref="MessageCaptureOptions.OverLimit"/> gives.</summary>
    public MilterVerdict Verdict { get; }
}
