using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Milter;

/// <summary>
/// What one milter connection tells the outside: its logging scope (connection, MTA, client, queue id), what handler
/// calls run under, and each message's clock, metrics and activity. The session calls it; it calls nobody back.
/// </summary>
internal sealed class SessionTelemetry(long connectionId, string? filterName, ILogger log)
{
    private IDisposable? _scopeHandle;

    /// <summary>The connection's logging scope; null when nothing logs.</summary>
    public ConnectionScope? Scope { get; private set; }

    /// <summary>What handler calls run under outside a message: the connection's logging scope.</summary>
    public ExecutionContext? ConnectionFlow { get; private set; }

    /// <summary>Opens the connection's logging scope, on the thread that runs the whole session, so it covers all of it.</summary>
    public void BeginLogScope()
    {
        // Without a log nothing reads the scope: no queue id is decoded for it.
        if (ReferenceEquals(log, NullLogger.Instance))
            return;
        Scope = new ConnectionScope(connectionId);
        _scopeHandle = log.BeginScope(Scope);
        ConnectionFlow = ExecutionContext.Capture();
    }

    public void EndLogScope() => _scopeHandle?.Dispose();

    /// <summary>
    /// The queue id the log scope shows, read before each handler call: macros of the transaction before (an RSET)
    /// stay in scope until the command they belong to arrives, so a macro packet alone does not say which is current.
    /// </summary>
    public void RefreshScope(MilterContext context)
    {
        if (Scope is { } scope)
            scope.QueueId = context.QueueIdForScope;
    }

    /// <summary>
    /// A message starts: its clock, and its activity when someone listens. The activity is a root (the MTA passes no
    /// trace context) and becomes <see cref="Activity.Current"/> inside the handlers, so their own activities nest under it.
    /// </summary>
    public void StartMessage(SmtpConnection smtp)
    {
        smtp.Trace.Start();
        if (!MilterTelemetry.Source.HasListeners())
            return;
        var previous = Activity.Current;
        Activity.Current = null;
        var activity = MilterTelemetry.Source.StartActivity(MilterTelemetry.MessageActivityName, ActivityKind.Server);
        if (activity is not null)
        {
            if (activity.IsAllDataRequested)
                TagMessageStart(activity, smtp.Context);
            smtp.Trace.Activity = activity;
            smtp.Trace.Flow = ExecutionContext.Capture();
        }

        Activity.Current = previous;
    }

    private void TagMessageStart(Activity activity, MilterContext context)
    {
        activity.SetTag(TagNames.ConnectionId, connectionId);
        activity.SetTag(TagNames.Mta, ConnectionScope.MtaName(context.Mta));
        activity.SetTag(TagNames.Filter, filterName);
        if (context.Connection is { } connection)
        {
            activity.SetTag(TagNames.ClientAddress, connection.Address);
            if (connection.Port != 0)
                activity.SetTag(TagNames.ClientPort, (int)connection.Port);
        }

        activity.SetTag(TagNames.Helo, context.HeloName);
        if (context.Sender is { } sender)
        {
            var address = sender.Address;
            var at = address.LastIndexOf('@');
            activity.SetTag(TagNames.SenderDomain, at >= 0 ? address[(at + 1)..] : "");
        }
    }

    /// <summary>A handler call at a message step: an event on the message's activity, with its failure if it failed.</summary>
    public static void TraceCall(SmtpConnection smtp, MilterSteps step, in HandlerOutcome outcome, string? errorType)
    {
        if (smtp.Trace.Activity is not { } activity || step is MilterSteps.Header or MilterSteps.Body)
            return;
        if (errorType is null)
        {
            activity.AddEvent(new ActivityEvent(MilterMetrics.StepName(step)));
            return;
        }

        activity.AddEvent(new ActivityEvent(MilterMetrics.StepName(step), tags: new() { [TagNames.ErrorType] = errorType }));
        activity.SetTag(TagNames.ErrorType, errorType);
        activity.SetStatus(ActivityStatusCode.Error, $"the {MilterMetrics.StepName(step)} handler failed: {errorType}");
        if (outcome.Error is { } error)
            activity.AddException(error);
    }

    /// <summary>The message is over: its metrics, and its activity with what the milter decided and changed.</summary>
    /// <param name="smtp">The connection whose message ends.</param>
    /// <param name="final">The verdict at end of message; null when the message was abandoned.</param>
    /// <param name="actions">The changes sent with it.</param>
    public void FinishMessage(SmtpConnection smtp, MilterVerdict? final = null, List<Protocol.MilterResponseCode>? actions = null)
    {
        ref var trace = ref smtp.Trace;
        var decided = trace.EarlyVerdict ?? final;
        var verdict = decided is { } known ? MilterMetrics.VerdictName(known.Kind) : "aborted";
        var reply = decided?.Reply;
        MilterMetrics.RecordMessage(filterName, verdict, trace.Started);
        if (trace.Activity is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                var context = smtp.Context;
                activity.SetTag(TagNames.QueueId, context.QueueId);
                activity.SetTag(TagNames.RecipientCount, context.Recipients.Count);
                activity.SetTag(TagNames.HeaderCount, trace.HeaderCount);
                activity.SetTag(TagNames.BodySize, trace.BodySize);
                activity.SetTag(TagNames.Verdict, verdict);
                if (reply is not null)
                    activity.SetTag(TagNames.ReplyCode, reply.Code);
                if (actions is { Count: > 0 })
                    activity.SetTag(TagNames.Actions, ActionNames(actions));
            }

            activity.Stop();
        }

        trace.Reset();
        if (Scope is not null)
            Scope.QueueId = null;
    }

    private static string[] ActionNames(List<Protocol.MilterResponseCode> actions)
    {
        var names = new List<string>(actions.Count);
        foreach (var code in actions)
        {
            var name = MilterMetrics.ActionName(code);
            if (!names.Contains(name))
                names.Add(name);
        }

        return [.. names];
    }
}
