using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Hosting;
using Milter.IntegrationTests.Support;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Milter.IntegrationTests;

/// <summary>A user's filter on the generic host that logs through ILogger and adds a header.</summary>
[MailFilter("traced")]
public partial class TracedFilter(ILogger<TracedFilter> log)
{
    // Without a CONNECT handler the MTA never sends the client's address, without a MAIL handler never MAIL FROM: the
    // scope and the trace would lack the client and the sender domain.
    [OnConnect]
    public void Connect(ConnectionInfo client) => log.LogInformation("user: connection from {Client}", client.Address);

    [OnMail]
    public void Mail(Sender sender) => log.LogInformation("user: mail from {Sender}", sender.Address);

    [OnRcpt]
    public MilterVerdict Rcpt(Recipient recipient)
    {
        log.LogInformation("user: recipient {Recipient}", recipient.Address);
        return recipient.Address.StartsWith("refused@", StringComparison.Ordinal)
            ? MilterVerdict.Reject(550, "5.1.1", "no such user")
            : MilterVerdict.Continue;
    }

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        log.LogInformation("user: stamping {QueueId}", message.QueueId);
        message.AddHeader("X-Traced", "yes");
        return MilterVerdict.Accept;
    }
}

/// <summary>
/// One message through a real Postfix to a hosted milter wired with <c>AddMilterTelemetry()</c> and OpenTelemetry's
/// in-memory exporter: one trace with the queue id, the verdict and the actions; the runtime's and the user's log lines
/// about the message carry its queue id in their scope, through the host's logging pipeline.
/// </summary>
public class TelemetryTests
{
    /// <summary>
    /// Runs <see cref="TracedFilter"/> on a host with the in-memory exporter and a log provider, behind a private
    /// Postfix; <paramref name="talk"/> speaks SMTP to it and returns the answer to a message's DATA. Returns the
    /// delivered message's queue id, its activities and the log lines, once the host is gone (nothing adds to them then).
    /// </summary>
    private static async Task<(string QueueId, List<Activity> Exported, CapturedLogs Logs)> RunAsync(Func<SmtpTestClient, Task<SmtpAnswer>> talk)
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        var exported = new List<Activity>();
        var logs = new CapturedLogs();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Milter:Listen:0"] = "inet:0@127.0.0.1" });
        builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs);
        builder.Services.AddMilter<TracedFilter>();
        builder.Services.AddMilterTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(exported));
        string queueId;
        using (var host = builder.Build())
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            var port = ((IPEndPoint)host.Services.GetRequiredService<MilterHostedService<TracedFilter>>().Addresses[0].EndPoint).Port;
            await using (var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{port}"))
            {
                SmtpAnswer answer;
                await using (var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort))
                    answer = await talk(smtp);
                Assert.Equal(250, answer.Code);
                queueId = postfix.QueueIdOf(answer);
                Assert.Equal("yes", (await postfix.WaitForDeliveryAsync(queueId)).Header("X-Traced"));
            }

            await host.StopAsync(TestContext.Current.CancellationToken);
        }

        return (queueId, exported, logs);
    }

    private static Task<SmtpAnswer> SendAsync(SmtpTestClient smtp) =>
        smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], "From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: traced\n\nHello.\n");

    [Fact]
    public async Task One_message_through_Postfix_is_one_trace_and_its_log_lines_ours_and_the_users_carry_its_queue_id()
    {
        var (queueId, exported, logs) = await RunAsync(SendAsync);

        // The tracer provider is gone with the host: nothing adds to the list any more. The source is the process's, so
        // other tests' messages may be in it too: this message is the one with this queue id.
        var trace = Assert.Single(exported, a => a.OperationName == MilterTelemetry.MessageActivityName && Equals(a.GetTagItem("milter.queue_id"), queueId));
        Assert.Equal((ActivityKind.Server, null, ActivityStatusCode.Unset), (trace.Kind, trace.ParentId, trace.Status));
        Assert.Equal("accept", trace.GetTagItem("milter.verdict"));
        Assert.Equal(new[] { "add_header" }, trace.GetTagItem("milter.actions"));
        Assert.Equal(("traced", "postfix", "origin.test", 1), (trace.GetTagItem("milter.filter"), trace.GetTagItem("milter.mta"), trace.GetTagItem("milter.sender.domain"), trace.GetTagItem("milter.recipient.count")));
        Assert.Equal("127.0.0.1", trace.GetTagItem("client.address"));
        Assert.Contains("rcpt", trace.Events.Select(e => e.Name));
        Assert.Equal("eom", trace.Events.Last().Name);

        // grep by queue id: the user's lines and the runtime's, all from one connection.
        var lines = logs.Lines.Where(l => Equals(l.Scope.GetValueOrDefault("QueueId"), queueId)).ToList();
        Assert.Contains(lines, l => l.Category == typeof(TracedFilter).FullName && l.Message == $"user: stamping {queueId}");
        Assert.Contains(lines, l => l.Category.StartsWith("Milter", StringComparison.Ordinal));
        var connection = Assert.Single(lines.Select(l => l.Scope["MilterConnectionId"]).Distinct());
        Assert.Equal("127.0.0.1", lines[0].Scope["ClientAddress"]);
        Assert.Contains($"MilterConnectionId:{connection} Mta:postfix Client:127.0.0.1 QueueId:{queueId}", lines[0].ScopeText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_refused_transaction_the_next_message_on_the_SMTP_connection_logs_under_its_own_queue_id()
    {
        var (queueId, exported, logs) = await RunAsync(async smtp =>
        {
            // A transaction that gets a queue id and ends without a message, then one that is delivered.
            Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@origin.test>")).Code);
            Assert.Equal(250, (await smtp.CommandAsync("RCPT TO:<first@dest.test>")).Code);
            Assert.Equal(550, (await smtp.CommandAsync("RCPT TO:<refused@dest.test>")).Code);
            Assert.Equal(250, (await smtp.CommandAsync("RSET")).Code);
            return await SendAsync(smtp);
        });

        var stamping = Assert.Single(logs.Lines, l => l.Message == $"user: stamping {queueId}");
        Assert.True(Equals(stamping.Scope["QueueId"], queueId), $"the end of message's line is logged under {stamping.ScopeText}; the message is {queueId}");
        Assert.Single(exported, a => a.OperationName == MilterTelemetry.MessageActivityName && Equals(a.GetTagItem("milter.queue_id"), queueId));
    }
}
