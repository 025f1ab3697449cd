using System.Diagnostics;

namespace Milter;

/// <summary>
/// What the session notes about the current message for its metrics and its activity: when it started, its size, the
/// verdict that decided it early, and the activity (when someone listens) with the flow handlers run under.
/// </summary>
internal struct MessageTrace
{
    public long Started;
    public int HeaderCount;
    public long BodySize;

    /// <summary>The final verdict sent at a message step before end of message (a reject at MAIL, say).</summary>
    public MilterVerdict? EarlyVerdict;

    public Activity? Activity;

    /// <summary>The execution context with <see cref="Activity"/> current, captured once for the message's handler calls.</summary>
    public ExecutionContext? Flow;

    public void Start() => this = new MessageTrace { Started = Stopwatch.GetTimestamp() };

    public void Reset() => this = default;
}
