using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter;

/// <summary>Puts <see cref="MessageLimits"/> in front of a handler factory.</summary>
public static class MessageLimitsExtensions
{
    /// <summary>
    /// A factory whose handlers enforce <paramref name="limits"/> before <paramref name="factory"/>'s handlers see anything:
    /// its description asks the MTA for what the limits need to count. Returns <paramref name="factory"/> itself when no
    /// limit is set, or when it enforces limits already. <see cref="Server.MilterServer"/>, the test host, the hosted form
    /// and <see cref="MilterSession"/> itself apply <see cref="MilterSessionOptions.Limits"/> this way.
    /// </summary>
    /// <exception cref="ArgumentException">A limit or a verdict is not valid; the message says which and why.</exception>
    public static IMilterHandlerFactory WithLimits(this IMilterHandlerFactory factory, MessageLimits? limits, ILoggerFactory? loggerFactory = null) =>
        WithLimits(factory, limits, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Milter.Limits"));

    /// <summary>The same, logging the limits' decisions to <paramref name="log"/>.</summary>
    internal static IMilterHandlerFactory WithLimits(IMilterHandlerFactory factory, MessageLimits? limits, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (limits is null || !limits.HasAny || factory is LimitedHandlerFactory)
            return factory;
        var problems = limits.Validate($"{nameof(MilterSessionOptions.Limits)}.");
        if (problems.Count > 0)
            throw new ArgumentException(string.Join(" ", problems), nameof(limits));
        return new LimitedHandlerFactory(factory, limits, log);
    }
}

/// <summary>
/// The limits as a part of their own, first in order, that only refuses: it counts what the limits need, gives a
/// limit's verdict at the step the MTA can take it, and passes everything else to the user's handler.
/// </summary>
internal sealed class LimitedHandlerFactory : IMilterHandlerFactory
{
    private readonly IMilterHandlerFactory _inner;

    public LimitedHandlerFactory(IMilterHandlerFactory inner, MessageLimits limits, ILogger log)
    {
        _inner = inner;
        Log = log;
        Headers = LimitRule.For(LimitKind.Headers, limits.MaxHeaders, limits.MaxHeadersVerdict);
        HeaderBytes = LimitRule.For(LimitKind.HeaderBytes, limits.MaxHeaderBytes, limits.MaxHeaderBytesVerdict);
        Recipients = LimitRule.For(LimitKind.Recipients, limits.MaxRecipients, limits.MaxRecipientsVerdict);
        MessageSize = LimitRule.For(LimitKind.MessageSize, limits.MaxMessageSize, limits.MaxMessageSizeVerdict);
        BodyBytes = LimitRule.For(LimitKind.BodyBytes, limits.MaxBodyBytes, limits.MaxBodyBytesVerdict);
        Inner = inner.Description;
        Description = Widen(Inner);
        Silenced = Inner.Steps & Inner.NoReplySteps & ~Description.NoReplySteps;
    }

    public LimitRule? Headers { get; }

    public LimitRule? HeaderBytes { get; }

    public LimitRule? Recipients { get; }

    public LimitRule? MessageSize { get; }

    public LimitRule? BodyBytes { get; }

    public ILogger Log { get; }

    /// <summary>What the user's handler asked for: the steps it is called for.</summary>
    public MilterDescription Inner { get; }

    /// <summary>Steps the user's handler declared no-reply that the limits answer: its verdict there is dropped, as the session would.</summary>
    public MilterSteps Silenced { get; }

    /// <inheritdoc />
    public MilterDescription Description { get; }

    /// <summary>Whether a header past a limit is refused at once (headers are answered) or at end of headers.</summary>
    public bool HeadersAnswered => (Description.NoReplySteps & MilterSteps.Header) == 0;

    /// <summary>Whether the limits read the body, so a SKIP from the user's handler must not stop the MTA sending it.</summary>
    public bool CountsBody => BodyBytes is not null || MessageSize is not null;

    /// <inheritdoc />
    public IMilterHandler CreateHandler() => new LimitedHandler(_inner.CreateHandler(), this);

    /// <summary>
    /// The user's description with what the limits need: MAIL answered for SIZE=; RCPT answered for recipients; headers,
    /// counted without a reply unless the user's handler answers them, and end of headers answered, where a header past a
    /// limit is refused; body chunks answered, so the MTA stops sending once a size limit is past.
    /// </summary>
    private MilterDescription Widen(MilterDescription inner)
    {
        var answered = MilterSteps.None;
        if (MessageSize is not null)
            answered |= MilterSteps.Mail | MilterSteps.EndOfHeaders | MilterSteps.Body;
        if (Recipients is not null)
            answered |= MilterSteps.Rcpt;
        if (Headers is not null || HeaderBytes is not null)
            answered |= MilterSteps.EndOfHeaders;
        if (BodyBytes is not null)
            answered |= MilterSteps.Body;
        var counted = (answered & MilterSteps.EndOfHeaders) != 0 ? MilterSteps.Header : MilterSteps.None;
        var newlyCounted = counted & ~inner.Steps;
        return inner with
        {
            Steps = inner.Steps | answered | counted,
            NoReplySteps = (inner.NoReplySteps & ~answered) | newlyCounted,
        };
    }

    /// <summary>A limit gave its verdict: one log line, the counter, and the message's activity.</summary>
    public void Report(LimitRule rule, long value, MilterContext context, MilterSteps step)
    {
        var stepName = MilterMetrics.StepName(step);
        LimitLog.Reached(Log, rule.Name, value, rule.Max, rule.ActionName, stepName, context.QueueIdForLog);
        MilterMetrics.RecordLimit(rule.Name, rule.ActionName);
        // Handlers run with the message's activity current (MessageTrace.Flow); nothing to do when nobody listens.
        if (Activity.Current is not { } activity || activity.Source != MilterTelemetry.Source || !activity.IsAllDataRequested)
            return;
        activity.SetTag(TagNames.Limit, rule.Name);
        activity.SetTag(TagNames.LimitVerdict, rule.ActionName);
        activity.AddEvent(new ActivityEvent(TagNames.Limit, tags: new()
        {
            [TagNames.Limit] = rule.Name,
            [TagNames.LimitValue] = value,
            [TagNames.LimitMax] = rule.Max,
            [TagNames.LimitVerdict] = rule.ActionName,
            [TagNames.Step] = stepName,
        }));
    }
}
