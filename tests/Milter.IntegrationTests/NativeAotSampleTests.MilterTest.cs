using System.Diagnostics;
using System.Text;
using Milter.Client;
using Milter.IntegrationTests.Support;
using Milter.Server;

namespace Milter.IntegrationTests;

/// <summary>milter-test as CI ships it: one NativeAOT binary, published without warnings, run as a process.</summary>
public partial class NativeAotSampleTests
{
    private static readonly Lazy<Task<(string Binary, string Log)>> PublishedMilterTest = new(() => PublishAsync(Path.Combine("src", "Milter.Cli"), "milter-test"));

    private static async Task<MilterServer> StartScenarioMilterAsync(string listen = "inet:0@127.0.0.1")
    {
        var server = new MilterServer(MilterFilter.Factory<ScenarioMilter>(), new MilterServerOptions { Listen = { listen } });
        await server.StartAsync();
        return server;
    }

    [Fact]
    public async Task The_milter_test_binary_publishes_without_warnings_and_sends_probes_helps_and_versions()
    {
        var (binary, log) = await PublishedMilterTest.Value;
        Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
        var message = Path.Combine(Path.GetDirectoryName(binary)!, "message.eml");
        await File.WriteAllTextAsync(message, "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: hi\r\nX-Case: add-header\r\n\r\nHello.\r\n");
        await using var server = await StartScenarioMilterAsync();
        var address = server.Addresses[0].ToString();

        foreach (var form in new[] { new[] { "send", address, message }, [address, message] })
        {
            var (exit, report) = await RunAsync(binary, form);
            Assert.True(exit == 0, report);
            Assert.Contains("action: add header X-Added: added by the milter", report, StringComparison.Ordinal);
            Assert.Contains("\n+X-Added: added by the milter\n", report, StringComparison.Ordinal);
        }

        var (probed, probe) = await RunAsync(binary, "probe", address, "--timeout", "5");
        Assert.True(probed == 0, probe);
        Assert.StartsWith($"{address}: a milter, protocol version 6", probe, StringComparison.Ordinal);

        var closed = FreePort();
        (probed, probe) = await RunAsync(binary, "probe", $"inet:{closed}@127.0.0.1");
        Assert.Equal(1, probed);
        Assert.Equal($"milter-test: connection refused by 127.0.0.1:{closed}: nothing listens there\n", probe);

        var (helped, help) = await RunAsync(binary, "--help");
        Assert.Equal(0, helped);
        Assert.Contains("milter-test [command] [options]", help, StringComparison.Ordinal);
        var (versioned, version) = await RunAsync(binary, "--version");
        Assert.Equal(0, versioned);
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", version);
    }

    [Theory]
    [InlineData("milter-test send --ti", "--timeout")]
    [InlineData("milter-test pr", "probe")]
    [InlineData("milter-test send --mta ", "postfix")]
    public async Task The_README_bash_completion_line_completes_through_the_binary(string typed, string offered)
    {
        var (binary, _) = await PublishedMilterTest.Value;
        var setup = File.ReadLines(Path.Combine(Repository.Root, "README.md")).Single(l => l.StartsWith("_milter_test()", StringComparison.Ordinal));
        // What bash sets before it calls a completion function: the line, the cursor, the words, the current word.
        var words = typed.Split(' ');
        var script = $$"""
            {{setup}}
            COMP_LINE='{{typed}}'; COMP_POINT={{typed.Length}}; COMP_WORDS=({{string.Join(' ', words.Select(w => $"'{w}'"))}}); COMP_CWORD={{words.Length - 1}}
            _milter_test; printf '%s\n' "${COMPREPLY[@]}"
            """;
        var start = new ProcessStartInfo("bash", ["-c", script]);
        start.Environment["PATH"] = $"{Path.GetDirectoryName(binary)}:{Environment.GetEnvironmentVariable("PATH")}";

        var (exit, completions) = await RunAsync(start);

        Assert.Equal(0, exit);
        Assert.Contains(offered, completions.Split('\n'));
    }

    [Fact]
    public async Task The_milter_test_binary_records_a_session_until_SIGTERM()
    {
        var (binary, _) = await PublishedMilterTest.Value;
        var folder = Path.GetDirectoryName(binary)!;
        var listen = Path.Combine(folder, $"record-{Guid.NewGuid():N}.sock");
        var capture = Path.Combine(folder, $"record-{Guid.NewGuid():N}.txt");
        await using var server = await StartScenarioMilterAsync();
        using var recorder = Process.Start(new ProcessStartInfo(binary, ["record", "--listen", $"unix:{listen}", "--milter", server.Addresses[0].ToString(), "--output", capture])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = recorder.StandardOutput.ReadToEndAsync();
        try
        {
            for (var waited = 0; !File.Exists(listen); waited++)
            {
                if (waited == 1000 || recorder.HasExited)
                    Assert.Fail($"The recorder did not listen: {await recorder.StandardError.ReadToEndAsync()}");
                await Task.Delay(10);
            }

            await using (var mta = await MilterClient.ConnectAsync($"unix:{listen}", MtaProfile.Postfix))
            {
                var outcome = await mta.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]),
                    MailMessage.Parse(Encoding.ASCII.GetBytes("Subject: recorded\r\nX-Case: add-header\r\n\r\nHello.\r\n")));
                Assert.Equal("added by the milter", outcome.Delivered!.Message.Header("X-Added"));
                await mta.QuitAsync();
            }

            for (var waited = 0; !File.ReadAllText(capture).Contains("# --- connection 1", StringComparison.Ordinal); waited++)
            {
                Assert.True(waited < 1000, "the connection was not written");
                await Task.Delay(10);
            }

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
        }
    }
}
