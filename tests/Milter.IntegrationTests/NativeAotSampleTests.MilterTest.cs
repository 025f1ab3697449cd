using System.Diagnostics;
using System.Text;
using Milter.Client;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.IntegrationTests;

/// <summary>milter-test as CI ships it: one NativeAOT binary, published without warnings, run as a process.</summary>
public partial class NativeAotSampleTests
{
    private static Task<(string Binary, string Log)> PublishedMilterTest => Published.GetAsync(Path.Combine("src", "Milter.Cli"), "milter-test");

    private static async Task<MilterServer> StartScenarioMilterAsync(string listen = "inet:0@127.0.0.1")
    {
        var server = new MilterServer(MilterHandlerFactory.For<ScenarioMilter>(), new MilterServerOptions { Listen = { listen } });
        await server.StartAsync();
        return server;
    }

    [Fact]
    public async Task The_milter_test_binary_publishes_without_warnings_and_sends_probes_helps_and_versions()
    {
        var (binary, log) = await PublishedMilterTest;
        Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
        var message = Path.Combine(Path.GetDirectoryName(binary)!, "message.eml");
        await File.WriteAllTextAsync(message, "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: hi\r\nX-Case: add-header\r\n\r\nHello.\r\n");
        await using var server = await StartScenarioMilterAsync();
        var address = server.Addresses[0].ToString();

        foreach (var form in new[] { new[] { "send", address, message }, [address, message] })
        {
            var (exit, report) = await Command.RunAsync(binary, form);
            Assert.True(exit == 0, report);
            Assert.Contains("action: add header X-Added: added by the milter", report, StringComparison.Ordinal);
            Assert.Contains("\n+X-Added: added by the milter\n", report, StringComparison.Ordinal);
        }

        var (probed, probe) = await Command.RunAsync(binary, "probe", address, "--timeout", "5");
        Assert.True(probed == 0, probe);
        Assert.StartsWith($"{address}: a milter, protocol version 6", probe, StringComparison.Ordinal);

        var closed = FreePorts.One();
        (probed, probe) = await Command.RunAsync(binary, "probe", $"inet:{closed}@127.0.0.1");
        Assert.Equal(1, probed);
        Assert.Equal($"milter-test: connection refused by 127.0.0.1:{closed}: nothing listens there\n", probe);

        var (helped, help) = await Command.RunAsync(binary, "--help");
        Assert.Equal(0, helped);
        Assert.Contains("milter-test [command] [options]", help, StringComparison.Ordinal);
        var (versioned, version) = await Command.RunAsync(binary, "--version");
        Assert.Equal(0, versioned);
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", version);
    }

    [Theory]
    [InlineData("milter-test send --ti", "--timeout")]
    [InlineData("milter-test pr", "probe")]
    [InlineData("milter-test send --mta ", "postfix")]
    public async Task The_documented_bash_completion_line_completes_through_the_binary(string typed, string offered)
    {
        var (binary, _) = await PublishedMilterTest;
        var setup = File.ReadLines(Path.Combine(Repository.Root, "docs", "milter-test.md")).Single(l => l.StartsWith("_milter_test()", StringComparison.Ordinal));
        // What bash sets before it calls a completion function: the line, the cursor, the words, the current word.
        var words = typed.Split(' ');
        var script = $$"""
            {{setup}}
            COMP_LINE='{{typed}}'; COMP_POINT={{typed.Length}}; COMP_WORDS=({{string.Join(' ', words.Select(w => $"'{w}'"))}}); COMP_CWORD={{words.Length - 1}}
            _milter_test; printf '%s\n' "${COMPREPLY[@]}"
            """;
        var start = new ProcessStartInfo("bash", ["-c", script]);
        start.Environment["PATH"] = $"{Path.GetDirectoryName(binary)}:{Environment.GetEnvironmentVariable("PATH")}";

        var (exit, completions) = await Command.RunAsync(start);

        Assert.Equal(0, exit);
        Assert.Contains(offered, completions.Split('\n'));
    }

    /// <summary>Starts the published recorder; returns once it has said it records, with the rest of its output to come.</summary>
    private static async Task<(Process Recorder, Task<string> Output)> StartRecorderAsync(string binary, string listen, string milter, string capture)
    {
        var recorder = Process.Start(new ProcessStartInfo(binary, ["record", "--listen", listen, "--milter", milter, "--output", capture])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var first = await recorder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (first?.StartsWith("recording: ", StringComparison.Ordinal) != true)
            Assert.Fail($"The recorder did not start: {first}{await recorder.StandardError.ReadToEndAsync()}");
        return (recorder, recorder.StandardOutput.ReadToEndAsync());
    }

    /// <summary>Waits until the capture holds a connection: it is written once both sides have closed it.</summary>
    private static async Task WaitForRecordedConnectionAsync(string capture)
    {
        for (var waited = 0; !File.ReadAllText(capture).Contains("# --- connection 1", StringComparison.Ordinal); waited++)
        {
            Assert.True(waited < 3000, "the connection was not written");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task The_milter_test_binary_records_a_session_until_SIGTERM()
    {
        var (binary, _) = await PublishedMilterTest;
        var folder = Path.GetDirectoryName(binary)!;
        var listen = Path.Combine(Path.GetTempPath(), $"record-{Guid.NewGuid():N}.sock"); // a socket path has at most 107 bytes
        var capture = Path.Combine(folder, $"record-{Guid.NewGuid():N}.txt");
        await using var server = await StartScenarioMilterAsync();
        var (recorder, output) = await StartRecorderAsync(binary, $"unix:{listen}", server.Addresses[0].ToString(), capture);
        try
        {
            await using (var mta = await MilterClient.ConnectAsync($"unix:{listen}", MtaProfile.Postfix))
            {
                var outcome = await mta.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]),
                    MailMessage.Parse(Encoding.ASCII.GetBytes("Subject: recorded\r\nX-Case: add-header\r\n\r\nHello.\r\n")));
                Assert.Equal("added by the milter", outcome.Delivered!.Message.Header("X-Added"));
                await mta.QuitAsync();
            }

            await WaitForRecordedConnectionAsync(capture);
            Assert.Equal(0, await TerminateAsync(recorder));
            Assert.Contains("recorded 1 connection(s)", await output, StringComparison.Ordinal);
            var connection = Assert.Single(MilterCapture.Load(capture).Connections);
            Assert.Equal((byte)'O', connection.Packets[0].Command);
            Assert.Contains(connection.Packets, p => p.Description == "ADDHEADER X-Added: \"added by the milter\"");
            Assert.False(File.Exists(listen));
        }
        finally
        {
            if (!recorder.HasExited)
                recorder.Kill();
            recorder.Dispose();
        }
    }

    [Fact]
    public async Task The_milter_test_binary_records_what_a_real_Postfix_and_a_milter_say()
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        var (binary, _) = await PublishedMilterTest;
        var capture = Path.Combine(Path.GetDirectoryName(binary)!, $"record-{Guid.NewGuid():N}.txt");
        await using var server = await StartScenarioMilterAsync();
        var port = FreePorts.One();
        var (recorder, output) = await StartRecorderAsync(binary, $"inet:{port}@127.0.0.1", server.Addresses[0].ToString(), capture);
        try
        {
            await using (var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{port}"))
            {
                SmtpAnswer answer;
                await using (var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort))
                    answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], "From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: recorded\nX-Case: add-header\n\nHello.\n");
                Assert.Equal(250, answer.Code);
                // Through the relay the milter's change reaches the delivered message.
                Assert.Equal("added by the milter", (await postfix.WaitForDeliveryAsync(postfix.QueueIdOf(answer))).Header("X-Added"));
                await WaitForRecordedConnectionAsync(capture);
            }

            Assert.Equal(0, await TerminateAsync(recorder));
            Assert.Contains("recorded 1 connection(s)", await output, StringComparison.Ordinal);
            var connection = Assert.Single(MilterCapture.Load(capture).Connections);
            var packets = connection.Packets;
            // Postfix 3.7's offer, byte for byte as in the shared captures; our milter's answer; Postfix's macros, the
            // headers as Postfix sent them, the milter's change, Postfix's ABORT habit and QUIT.
            Assert.Equal("0000000d4f00000006000001ff001fffff", Convert.ToHexStringLower(packets[0].Bytes.Span));
            Assert.False(packets[1].FromMta);
            Assert.StartsWith("OPTNEG version=6", packets[1].Description, StringComparison.Ordinal);
            Assert.Contains(packets, p => p.FromMta && p.Description.StartsWith("MACRO for C: j=", StringComparison.Ordinal) && p.Description.Contains("v=\"Postfix ", StringComparison.Ordinal));
            Assert.Contains(packets, p => p.FromMta && p.Description == "HEADER X-Case: \"add-header\"");
            Assert.Contains(packets, p => !p.FromMta && p.Description == "ADDHEADER X-Added: \"added by the milter\"");
            Assert.Equal(["ABORT", "ABORT", "QUIT"], packets.TakeLast(3).Select(p => p.Description));
            var text = await File.ReadAllTextAsync(capture);
            Assert.Contains("# mta -> milter: EOF (the MTA closed its side)", text, StringComparison.Ordinal);
            Assert.Contains("# milter -> mta: EOF (the milter closed its side)", text, StringComparison.Ordinal);
        }
        finally
        {
            if (!recorder.HasExited)
                recorder.Kill();
            recorder.Dispose();
        }
    }
}
