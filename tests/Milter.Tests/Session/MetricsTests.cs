using System.Buffers;
using System.Diagnostics.Metrics;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Session;

public class MetricsTests
{
    [Fact]
    public async Task Sessions_report_connections_messages_verdicts_actions_durations_and_errors()
    {
        var seen = new List<(string Instrument, double Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MilterMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
            lock (seen)
                seen.Add((instrument.Name, value, text));
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var factory = MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () => new RecordingHandler([])
        {
            EndOfMessage = m => m.AddHeader("X-A", "1"),
        });
        await using (var mta = FakeMta.Start(factory))
        {
            await mta.NegotiateAsync();
            await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "metrics.example", ConnectionFamily.Unknown, 0, null));
            await mta.ReadAsync();
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
            await mta.ReadAsync();
            await mta.SendAsync(MilterCommandCode.EndOfBody);
            await mta.ReadUntilFinalAsync();
            await mta.SendAsync(w => w.Write(new byte[] { 0, 0, 0, 1, (byte)'Z' }));
            await mta.CloseAsync();
        }

        List<(string Instrument, double Value, string Tags)> snapshot;
        lock (seen)
            snapshot = [.. seen];
        Assert.Contains(snapshot, m => m.Instrument == "milter.connections" && m.Value == 1);
        Assert.Contains(snapshot, m => m.Instrument == "milter.connections.open" && m.Value == 1);
        Assert.Contains(snapshot, m => m.Instrument == "milter.connections.open" && m.Value == -1);
        Assert.Contains(snapshot, m => m.Instrument == "milter.messages" && m.Value == 1);
        Assert.Contains(snapshot, m => m.Instrument == "milter.verdicts" && m.Tags == "step=connect,verdict=Continue");
        Assert.Contains(snapshot, m => m.Instrument == "milter.verdicts" && m.Tags == "step=eom,verdict=Continue");
        Assert.Contains(snapshot, m => m.Instrument == "milter.actions" && m.Tags == "action=AddHeader");
        Assert.Contains(snapshot, m => m.Instrument == "milter.handler.duration" && m.Tags == "step=mail");
        Assert.Contains(snapshot, m => m.Instrument == "milter.protocol_errors" && m.Tags == "error=UnknownCommand");
    }
}
