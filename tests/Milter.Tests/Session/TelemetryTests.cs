using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.Tests.Session;

/// <summary>The connection's log scope reaches handlers' own log lines; one activity per message, with what was decided.</summary>
public class TelemetryTests
{
    [Fact]
    public async Task Handler_log_lines_carry_the_connection_the_MTA_the_client_and_the_queue_id()
    {
        var log = new ScopedLogger();
        var handler = new TracingHandler(log.CreateLogger("User.Filter"));
        var session = new MilterSession(MilterHandlerFactory.Create(new MilterDescription { Actions = ActionFlags.AddHeaders }, () => handler), logger: log);
        await using (var mta = FakeMta.Start(session))
            await SendMessageAsync(mta);

        var mail = Assert.Single(log.Entries, e => e.Message == "user: mail");
        Assert.Equal(session.ConnectionId, mail.Scope["MilterConnectionId"]);
        Assert.Equal("postfix", mail.Scope["Mta"]);
        Assert.Equal("192.0.2.7", mail.Scope["ClientAddress"]);
        Assert.Null(mail.Scope["QueueId"]);

        var eom = Assert.Single(log.Entries, e => e.Message == "user: eom");
        Assert.Equal("4QID", eom.Scope["QueueId"]);
        Assert.Equal($"MilterConnectionId:{session.ConnectionId} Mta:postfix Client:192.0.2.7 QueueId:4QID", eom.ScopeText);

        // The runtime's own lines carry the same scope.
        Assert.All(log.Entries, e => Assert.Equal(session.ConnectionId, e.Scope["MilterConnectionId"]));
    }

    [Fact]
    public async Task A_message_is_one_activity_with_its_queue_id_verdict_actions_and_steps_and_current_inside_handlers()
    {
        using var activities = new MessageActivities();
        var handler = new TracingHandler(null) { EndOfMessage = m => m.AddHeader("X-Checked", "yes") };
        var session = new MilterSession(MilterHandlerFactory.Create(new MilterDescription { Name = "tracer", Actions = ActionFlags.AddHeaders }, () => handler));
        await using (var mta = FakeMta.Start(session))
            await SendMessageAsync(mta);

        var activity = Assert.Single(activities.Of(session));
        Assert.Equal(MilterTelemetry.MessageActivityName, activity.OperationName);
        Assert.Equal(ActivityKind.Server, activity.Kind);
        Assert.Null(activity.ParentId);
        Assert.Equal("4QID", activity.GetTagItem("milter.queue_id"));
        Assert.Equal("continue", activity.GetTagItem("milter.verdict"));
        Assert.Equal(new[] { "add_header" }, activity.GetTagItem("milter.actions"));
        Assert.Equal("tracer", activity.GetTagItem("milter.filter"));
        Assert.Equal("postfix", activity.GetTagItem("milter.mta"));
        Assert.Equal("192.0.2.7", activity.GetTagItem("client.address"));
        Assert.Equal(4321, activity.GetTagItem("client.port"));
        Assert.Equal("sender.example", activity.GetTagItem("milter.sender.domain"));
        Assert.Equal(2, activity.GetTagItem("milter.recipient.count"));
        Assert.Equal(1, activity.GetTagItem("milter.header.count"));
        Assert.Equal(7L, activity.GetTagItem("milter.body.size"));
        Assert.Equal(["mail", "rcpt", "rcpt", "data", "eoh", "eom"], activity.Events.Select(e => e.Name));
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
        Assert.All(handler.CurrentActivities, current => Assert.Same(activity, current));
        Assert.Equal(6, handler.CurrentActivities.Count);
    }

    [Fact]
    public async Task A_rejected_message_an_abandoned_one_and_a_failing_handler_say_so_in_their_activity()
    {
        using var activities = new MessageActivities();
        var handler = new TracingHandler(null)
        {
            MailVerdict = sender => sender.Address.StartsWith("spam", StringComparison.Ordinal) ? MilterVerdict.Reject(550, "5.7.1", "no") : MilterVerdict.Continue,
            EndOfMessage = _ => throw new InvalidOperationException("boom"),
        };
        var session = new MilterSession(MilterHandlerFactory.Create(new MilterDescription(), () => handler));
        await using (var mta = FakeMta.Start(session))
        {
            await mta.NegotiateAsync();
            await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "client.example", ConnectionFamily.IPv4, 4321, "192.0.2.7"));
            await mta.ReadAsync();
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<spam@sender.example>"));
            await mta.ReadAsync();
            await mta.SendAsync(MilterCommandCode.Abort);
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@sender.example>"));
            await mta.ReadAsync();
            await mta.SendAsync(MilterCommandCode.Abort);
            await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<b@sender.example>"));
            await mta.ReadAsync();
            await mta.SendAsync(MilterCommandCode.EndOfBody);
            await mta.ReadUntilFinalAsync();
            await mta.SendAsync(MilterCommandCode.Quit);
        }

        var traced = activities.Of(session);
        Assert.Equal(3, traced.Count);
        Assert.Equal("reply", traced[0].GetTagItem("milter.verdict"));
        Assert.Equal(550, traced[0].GetTagItem("milter.reply.code"));
        Assert.Equal("aborted", traced[1].GetTagItem("milter.verdict"));
        Assert.Equal("tempfail", traced[2].GetTagItem("milter.verdict"));
        Assert.Equal(ActivityStatusCode.Error, traced[2].Status);
        Assert.Equal("System.InvalidOperationException", traced[2].GetTagItem("error.type"));
        Assert.Contains(traced[2].Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task Without_a_listener_no_activity_is_made()
    {
        var handler = new TracingHandler(null);
        var session = new MilterSession(MilterHandlerFactory.Create(new MilterDescription(), () => handler));
        await using (var mta = FakeMta.Start(session))
            await SendMessageAsync(mta);

        // Other tests may listen meanwhile; none of their activities is this session's.
        Assert.DoesNotContain(handler.CurrentActivities, a => a is not null && Equals(a.GetTagItem("milter.connection.id"), session.ConnectionId));
    }

    private static async Task SendMessageAsync(FakeMta mta)
    {
        await mta.NegotiateAsync();
        await mta.SendMacrosAsync('C', ("j", "mx.example"), ("v", "Postfix 3.7.11"));
        await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "client.example", ConnectionFamily.IPv4, 4321, "192.0.2.7"));
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteMail(w, "<a@sender.example>"));
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<b@rcpt.example>"));
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<c@rcpt.example>"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.Data);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", "hi"));
        await mta.ReadAsync();
        await mta.SendAsync(MilterCommandCode.EndOfHeaders);
        await mta.ReadAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, "hello\r\n"u8));
        await mta.ReadAsync();
        await mta.SendMacrosAsync('E', ("i", "4QID"));
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        await mta.ReadUntilFinalAsync();
        await mta.SendAsync(MilterCommandCode.Quit);
    }

    /// <summary>Logs at MAIL and end of message, and notes the activity current inside each message call.</summary>
    private sealed class TracingHandler(ILogger? log) : IMilterHandler
    {
        public List<Activity?> CurrentActivities { get; } = [];

        public Func<Sender, MilterVerdict> MailVerdict { get; init; } = _ => MilterVerdict.Continue;

        public Action<EndOfMessageContext>? EndOfMessage { get; init; }

        public ValueTask<MilterVerdict> OnMailAsync(MilterContext context, Sender sender, CancellationToken cancellationToken)
        {
            log?.LogInformation("user: mail");
            return Note(MailVerdict(sender));
        }

        public ValueTask<MilterVerdict> OnRcptAsync(MilterContext context, Recipient recipient, CancellationToken cancellationToken) => Note();

        public ValueTask<MilterVerdict> OnDataAsync(MilterContext context, CancellationToken cancellationToken) => Note();

        public ValueTask<MilterVerdict> OnEndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => Note();

        public async ValueTask<MilterVerdict> OnEndOfMessageAsync(EndOfMessageContext message, CancellationToken cancellationToken)
        {
            await Task.Yield();
            log?.LogInformation("user: eom");
            EndOfMessage?.Invoke(message);
            return await Note();
        }

        private ValueTask<MilterVerdict> Note(MilterVerdict verdict = default)
        {
            lock (CurrentActivities)
                CurrentActivities.Add(Activity.Current);
            return new(verdict);
        }
    }
}
