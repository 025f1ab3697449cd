using Microsoft.Extensions.Logging;

namespace Milter.State;

/// <summary>
/// The log of an outage, in a few lines however many messages meet it: one when it starts, one every 10 s while it
/// lasts with the latest kind of fault and the count of decisions answered meanwhile, one when the store is back. A
/// frozen Redis alternates between timeouts and failed reconnections: a line per change would be a line per message.
/// Never a stack trace: the fault's kind and one line of reason say what an operator needs.
/// </summary>
internal sealed class StoreOutageLog(ILogger log, string store, StoreUnavailableAction action)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly Lock _sync = new();
    private readonly string _answer = action == StoreUnavailableAction.Continue ? "Continue (fail open)" : "451 4.3.0";
    private volatile bool _down;
    private long _since;
    private long _lastLine;
    private long _answered;
    private long _answeredSinceLine;

    /// <summary>A decision met the fault and was answered as configured.</summary>
    public void Unavailable(MilterStoreUnavailableException fault)
    {
        var now = Environment.TickCount64;
        lock (_sync)
        {
            _answered++;
            _answeredSinceLine++;
            if (!_down)
            {
                (_since, _answered) = (now, 1);
                _down = true;
                _lastLine = now;
                _answeredSinceLine = 0;
                StateLog.Unavailable(log, store, fault.Fault, Reason(fault), _answer);
                return;
            }

            if (now - _lastLine < Interval.TotalMilliseconds)
                return;
            _lastLine = now;
            StateLog.StillUnavailable(log, store, fault.Fault, Reason(fault), Seconds(now - _since), _answer, _answeredSinceLine);
            _answeredSinceLine = 0;
        }
    }

    /// <summary>A decision was made with the store: ends an outage, if there was one.</summary>
    public void Available()
    {
        if (!_down)
            return;
        lock (_sync)
        {
            if (!_down)
                return;
            _down = false;
            StateLog.Available(log, store, Seconds(Environment.TickCount64 - _since), _answered, _answer);
        }
    }

    private static string Reason(MilterStoreUnavailableException fault) => fault.Reason.Length > 0 ? fault.Reason : fault.Message;

    private static double Seconds(long milliseconds) => Math.Round(milliseconds / 1000.0, 1);
}
