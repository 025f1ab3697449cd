using System.Buffers;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Session;

public class MetricsTests
{
    [Fact]
    public async Task Sessions_report_connections_messages_verdicts_actions_durations_and_errors()
    {
        using var metrics = new MetricRecorder();
        var factory = MilterHandlerFactory.Create(new MilterDescription { Name = "metered", Actions = ActionFlags.AddHeaders }, () => new RecordingHandler([])
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

        var snapshot = metrics.Snapshot();
        Assert.Contains(snapshot, m => m.Instrument == "milter.connection.accepted" && m.Value == 1);
        Assert.Contains(snapshot, m => m.Instrument == "milter.connection.active" && m.Value == 1);
        Assert.Contains(snapshot, m => m.Instrument == "milter.connection.active" && m.Value == -1);
        Assert.Contains(snapshot, m => m.Instrument == "milter.messages" && m.Value == 1 && m.Tags == "milter.filter=metered,milter.verdict=continue");
        Assert.Contains(snapshot, m => m.Instrument == "milter.message.duration" && m.Tags == "milter.filter=metered,milter.verdict=continue");
        Assert.Contains(snapshot, m => m.Instrument == "milter.verdicts" && m.Tags == "milter.step=connect,milter.verdict=continue");
        Assert.Contains(snapshot, m => m.Instrument == "milter.verdicts" && m.Tags == "milter.step=eom,milter.verdict=continue");
        Assert.Contains(snapshot, m => m.Instrument == "milter.actions" && m.Tags == "milter.action=add_header");
        Assert.Contains(snapshot, m => m.Instrument == "milter.handler.duration" && m.Tags == "milter.step=mail");
        Assert.Contains(snapshot, m => m.Instrument == "milter.protocol.errors" && m.Tags == "error.type=unknown_command");
        Assert.Contains(snapshot, m => m.Instrument == "milter.io" && m.Value > 0 && m.Tags == "network.io.direction=receive");
        Assert.Contains(snapshot, m => m.Instrument == "milter.io" && m.Value > 0 && m.Tags == "network.io.direction=transmit");
    }

    [Fact]
    public async Task A_failing_handler_is_counted_by_step_and_kind()
    {
        using var metrics = new MetricRecorder();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([])
        {
            Verdicts = { [MilterSteps.Mail] = () => throw new FormatException("bad") },
        });
        await using (var mta = FakeMta.Start(factory))
        {
            await mta.NegotiateAsync();
            await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "metrics.example", ConnectionFamily.Unknown, 0, null));
            await mta.ReadAsync();
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@b>"));
            Assert.Equal(MilterResponse.Tempfail, await mta.ReadAsync());
            await mta.SendAsync(MilterCommandCode.Abort);
            await mta.SendAsync(MilterCommandCode.Quit);
        }

        var snapshot = metrics.Snapshot();
        Assert.Contains(snapshot, m => m.Instrument == "milter.handler.errors" && m.Tags == "milter.step=mail,error.type=System.FormatException");
        Assert.Contains(snapshot, m => m.Instrument == "milter.messages" && m.Tags == "milter.filter=,milter.verdict=tempfail");
    }
}
