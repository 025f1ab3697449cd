using System.Net;
using Milter.IntegrationTests.Support;

namespace Milter.IntegrationTests;

/// <summary>samples/ObservedMilter as a published NativeAOT binary: health, Prometheus metrics, scoped logs, the systemd watchdog.</summary>
public partial class NativeAotSampleTests
{
    private static Task<(string Binary, string Log)> PublishedObserved => Published.SampleAsync("ObservedMilter");

    [Fact]
    public async Task The_observed_milter_binary_answers_health_probes_feeds_the_watchdog_and_serves_what_a_message_did_to_Prometheus()
    {
        var (binary, log) = await PublishedObserved;
        Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
        Assert.Equal(["ObservedMilter", "ObservedMilter.dbg", "appsettings.json"],
            Directory.GetFiles(Path.GetDirectoryName(binary)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // As systemd starts a Type=notify unit with WatchdogSec=1: the variables, and an abstract notification socket.
        using var systemd = NotifyListener.Abstract();
        var web = FreePorts.One();
        await using var milter = await RunningStamper.StartAsync(binary,
            port => $"--Milter:Listen:0 inet:{port}@127.0.0.1 --Urls http://127.0.0.1:{web} --RecipientLimit:MaxRecipients 1", workingDirectory: "/",
            environment: new() { ["NOTIFY_SOCKET"] = systemd.Address, ["WATCHDOG_USEC"] = "1000000" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web}"), Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal("Healthy", await GetAsync(http, "/health/live"));
        Assert.Equal("Healthy", await GetAsync(http, "/health/ready"));
        Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync(TimeSpan.FromSeconds(5)));

        var queueId = await SendOneMessageAsync(milter.Port);

        var scrape = PrometheusText.Parse(await GetAsync(http, "/metrics"));
        Assert.Equal(1, scrape.Value("milter_messages_total", ("milter_filter", "observed"), ("milter_verdict", "accept")));
        Assert.Equal(1, scrape.Value("milter_actions_total", ("milter_action", "add_header")));
        Assert.Equal(1, scrape.Value("milter_verdicts_total", ("milter_step", "eom"), ("milter_verdict", "accept")));
        Assert.Equal(1, scrape.Value("milter_verdicts_total", ("milter_step", "rcpt"), ("milter_verdict", "reply")));
        Assert.True(scrape.Value("milter_connection_accepted_total") >= 1);
        Assert.Equal(1, scrape.Value("milter_handler_duration_seconds_count", ("milter_step", "eom")));
        Assert.Equal(1, scrape.Value("milter_message_duration_seconds_bucket", ("milter_verdict", "accept"), ("le", "+Inf")));
        Assert.True(scrape.Value("milter_io_bytes_total", ("network_io_direction", "receive")) > 0);
        Assert.True(scrape.Value("milter_io_bytes_total", ("network_io_direction", "transmit")) > 0);
        Assert.Equal(("counter", "histogram", "gauge"),
            (scrape.Types["milter_messages_total"], scrape.Types["milter_message_duration_seconds"], scrape.Types["milter_connection_active"]));

        // A second instance on the same milter address: one line and exit code 73, though its web server had started.
        var (secondExit, secondLog) = await Command.RunAsync(binary, "--Milter:Listen:0", $"inet:{milter.Port}@127.0.0.1", "--Urls", $"http://127.0.0.1:{FreePorts.One()}");
        Assert.True(secondExit == Milter.Server.MilterExitCode.CannotListen, secondLog);
        Assert.Contains($"crit: Milter.Hosting[200] Cannot listen on inet:{milter.Port}@127.0.0.1: the address is in use", secondLog, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", secondLog, StringComparison.Ordinal);

        Assert.Equal(0, await milter.StopAsync());
        // Its log line about the message, found by the queue id in its scope.
        var output = await milter.Output;
        var line = Assert.Single(output.Split('\n'), l => l.Contains($"QueueId:{queueId}", StringComparison.Ordinal) || l.Contains("Checked", StringComparison.Ordinal));
        Assert.True(line.Contains($"QueueId:{queueId}", StringComparison.Ordinal), output);
        Assert.Contains("warn: ObservedMilter.RecipientLimit[1] => ", output, StringComparison.Ordinal);
        Assert.Contains("ObservedMilter.RecipientLimit[2] => SpanId:", line, StringComparison.Ordinal);
        Assert.Contains("Checked a message for 1 recipient(s)", line, StringComparison.Ordinal);
    }

    private static async Task<string> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>One message through a real Postfix to the milter on <paramref name="port"/>; its queue id.</summary>
    private static async Task<string> SendOneMessageAsync(int port)
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{port}");
        SmtpAnswer answer;
        await using (var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort))
            answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], "From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: observed\n\nHello.\n");
        await using (var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort))
        {
            // One recipient more than the limit (started with MaxRecipients 1): that one is deferred with the milter's reply.
            Assert.Equal(250, (await smtp.CommandAsync("MAIL FROM:<sender@origin.test>")).Code);
            Assert.Equal(250, (await smtp.CommandAsync("RCPT TO:<first@dest.test>")).Code);
            var refused = await smtp.CommandAsync("RCPT TO:<second@dest.test>");
            Assert.Equal((452, "4.5.3 Too many recipients, send the rest in another message"), (refused.Code, refused.Lines[^1]));
        }

        Assert.Equal(250, answer.Code);
        var queueId = postfix.QueueIdOf(answer);
        // The sample stamps the message with its trace id.
        Assert.Matches("^[0-9a-f]{32}$", (await postfix.WaitForDeliveryAsync(queueId)).Header("X-Milter-Trace-Id"));
        return queueId;
    }
}
