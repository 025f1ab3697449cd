using Microsoft.Extensions.Logging;

namespace Milter;

/// <summary>The log messages of <see cref="ExternalMilter"/>, with stable event ids.</summary>
internal static partial class ExternalMilterLog
{
    [LoggerMessage(EventId = 450, Level = LogLevel.Warning, Message = "External milter {Name} at {Address}: {Problem} (at {Step}); answering {Fallback} for the rest of the message")]
    public static partial void Unavailable(ILogger logger, string name, string address, string problem, MilterSteps step, ExternalMilterFallback fallback);

    [LoggerMessage(EventId = 451, Level = LogLevel.Information, Message = "External milter {Name} at {Address} negotiated {Negotiation}; new MTA connections are negotiated for it")]
    public static partial void Negotiated(ILogger logger, string name, string address, Protocol.OptionNegotiation negotiation);

    [LoggerMessage(EventId = 452, Level = LogLevel.Warning, Message = "External milter {Name} at {Address} could not be asked what it needs ({Problem}); the MTA is asked for everything it could need until it can")]
    public static partial void ProbeFailed(ILogger logger, string name, string address, string problem);
}
