using System.Diagnostics.Metrics;

namespace Milter.Hosting;

/// <summary>
/// Handler calls and handler errors of the last <see cref="Window"/>, counted from the runtime's own instruments on the
/// <c>Milter</c> meter (<c>milter.handler.duration</c>: one measurement per call; <c>milter.handler.errors</c>), so the
/// health check sees what the metrics show. The window is kept as 12 slots that are reused as time goes on: constant
/// memory, and a measurement costs two interlocked adds.
/// </summary>
internal sealed class HandlerErrorRate : IDisposable
{
    internal const string CallsInstrument = "milter.handler.duration";
    internal const string ErrorsInstrument = "milter.handler.errors";
    private const int Slots = 12;

    private readonly TimeProvider _clock;
    private readonly long _slotTicks;
    private readonly Slot[] _slots = new Slot[Slots];
    private readonly MeterListener? _listener;

    /// <summary>Counts what the runtime measures, from now on, until disposed.</summary>
    public HandlerErrorRate(TimeSpan window, TimeProvider clock)
        : this(window, clock, listen: true)
    {
    }

    /// <summary>For tests: counts only what <see cref="RecordCall"/> and <see cref="RecordError"/> are given when <paramref name="listen"/> is false.</summary>
    internal HandlerErrorRate(TimeSpan window, TimeProvider clock, bool listen)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Window = window;
        _clock = clock;
        _slotTicks = Math.Max(1, window.Ticks / Slots);
        for (var i = 0; i < Slots; i++)
            _slots[i] = new Slot();
        if (!listen)
            return;

        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MilterTelemetry.MeterName && instrument.Name is CallsInstrument or ErrorsInstrument)
                    listener.EnableMeasurementEvents(instrument, this);
            },
        };
        _listener.SetMeasurementEventCallback<double>((instrument, _, _, state) => ((HandlerErrorRate)state!).RecordCall());
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, state) => ((HandlerErrorRate)state!).RecordError(value));
        _listener.Start();
    }

    /// <summary>How far back calls and errors count.</summary>
    public TimeSpan Window { get; }

    /// <summary>Counts one handler call now.</summary>
    public void RecordCall() => Interlocked.Increment(ref Current().Calls);

    /// <summary>Counts <paramref name="errors"/> handler errors now.</summary>
    public void RecordError(long errors = 1) => Interlocked.Add(ref Current().Errors, errors);

    /// <summary>The calls and errors within the window, up to now.</summary>
    public (long Calls, long Errors) Totals()
    {
        var now = Now();
        long calls = 0, errors = 0;
        foreach (var slot in _slots)
        {
            if (now - Volatile.Read(ref slot.Index) >= Slots)
                continue;
            calls += Volatile.Read(ref slot.Calls);
            errors += Volatile.Read(ref slot.Errors);
        }

        return (calls, errors);
    }

    /// <inheritdoc />
    public void Dispose() => _listener?.Dispose();

    private long Now() => _clock.GetUtcNow().UtcTicks / _slotTicks;

    /// <summary>The slot of the present moment; a slot left from an earlier round is cleared first.</summary>
    private Slot Current()
    {
        var now = Now();
        var slot = _slots[now % Slots];
        var index = Volatile.Read(ref slot.Index);
        if (index != now && Interlocked.CompareExchange(ref slot.Index, now, index) == index)
        {
            // The thread that moved the slot on clears it; a count that lands in between is lost (at most a few, once a slot).
            Interlocked.Exchange(ref slot.Calls, 0);
            Interlocked.Exchange(ref slot.Errors, 0);
        }

        return slot;
    }

    private sealed class Slot
    {
        public long Index = -1;
        public long Calls;
        public long Errors;
    }
}
