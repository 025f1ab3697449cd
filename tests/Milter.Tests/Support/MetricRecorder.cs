using System.Diagnostics.Metrics;

namespace Milter.Tests.Support;

/// <summary>Records every measurement of the Milter meter as (instrument, value, "key=value,..."), for assertions.</summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, string Tags)> _seen = [];

    public MetricRecorder()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MilterMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _listener.Start();
    }

    public List<(string Instrument, double Value, string Tags)> Snapshot()
    {
        lock (_seen)
            return [.. _seen];
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
        lock (_seen)
            _seen.Add((instrument.Name, value, text));
    }
}
