using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Milter.IntegrationTests.Support;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.IntegrationTests;

/// <summary>The samples publish as single NativeAOT binaries with no warnings, and the binaries do their job behind real MTAs.</summary>
[Collection(RepositoryBuilds.Name)]
public partial class NativeAotSampleTests
{
    private static Task<(string Binary, string Log)> PublishedStamper => Published.SampleAsync("HeaderStamper");

    private static Task<(string Binary, string Log)> PublishedGuard => Published.SampleAsync("AttachmentGuard");

    [Fact]
    public async Task The_header_stamper_publishes_with_NativeAOT_without_warnings_and_answers_a_session()
    {
        var (binary, log) = await PublishedStamper;
        Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
        Assert.True(File.Exists(binary), log);

        await using var stamper = await RunningStamper.StartAsync(binary);
        await using var mta = await FakeMta.ConnectAsync(new IPEndPoint(IPAddress.Loopback, stamper.Port));
        var reply = await mta.NegotiateAsync();
        Assert.Equal(ActionFlags.AddHeaders, reply.Actions);
        Assert.Equal(ProtocolFlags.NoReplyHeader, reply.Protocol & ProtocolFlags.NoReplyHeader);
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", "hello"));
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "From", "a@b.example"));
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        // No macros: no evidence of either MTA, so the add goes out as libmilter sends it.
        Assert.Equal(new AddHeaderResponse("X-Stamped", "2 headers seen by Milter for .NET"), await mta.ReadAsync());
        Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());

        Assert.Equal(0, await stamper.StopAsync());
        // The short RunAsync form logs to standard error without being asked.
        var output = await stamper.Log;
        Assert.Contains($"info Milter.Server: Milter listening on inet:{stamper.Port}@127.0.0.1", output, StringComparison.Ordinal);
        Assert.Contains("info Milter.Server: Milter stopping", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_published_binary_stamps_mail_a_real_Postfix_delivers()
    {
        if (PostfixInstance.Unavailable() is { } reason)
            Assert.Skip(reason);
        var (binary, _) = await PublishedStamper;
        await using var stamper = await RunningStamper.StartAsync(binary);
        await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{stamper.Port}");

        SmtpAnswer answer;
        await using (var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort))
            answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], "From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: through Postfix\n\nHello.\n");
        Assert.Equal(250, answer.Code);
        var delivered = await postfix.WaitForDeliveryAsync(postfix.QueueIdOf(answer));

        // Postfix adds Date and Message-ID for the client, and shows them to the milter: 3 headers sent, 5 seen.
        Assert.Equal("5 headers seen by Milter for .NET", delivered.Header("X-Stamped"));
        Assert.Equal(0, await stamper.StopAsync());
    }

    [Theory]
    [InlineData("postfix")]
    [InlineData("sendmail")]
    public async Task The_attachment_guard_binary_defangs_an_executable_behind_a_real_MTA(string mtaName)
    {
        if ((mtaName == "postfix" ? PostfixInstance.Unavailable() : SendmailInstance.Unavailable()) is { } reason)
            Assert.Skip(reason);
        var (binary, log) = await PublishedGuard;
        Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
        // The binary, its native symbols and its settings; no XML docs or managed .pdb files.
        Assert.Equal(["AttachmentGuard", "AttachmentGuard.dbg", "appsettings.json"],
            Directory.GetFiles(Path.GetDirectoryName(binary)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // Started from / as systemd does: its appsettings.json is still found beside the binary.
        await using var guard = await RunningStamper.StartAsync(binary, port => $"--Milter:Listen:0 inet:{port}@127.0.0.1", workingDirectory: "/");
        await using MtaInstance mta = mtaName == "postfix"
            ? await PostfixInstance.StartAsync($"inet:127.0.0.1:{guard.Port}")
            : await SendmailInstance.StartAsync(guard.Port);

        const string Message = "From: <sender@origin.test>\nTo: <rcpt@dest.test>\nSubject: invoice\nMIME-Version: 1.0\n"
            + "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nSee attached.\n--b\n"
            + "Content-Type: application/octet-stream; name=\"invoice.pdf.exe\"\nContent-Disposition: attachment; filename=\"invoice.pdf.exe\"\n"
            + "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAA\n--b--\n";
        SmtpAnswer answer;
        await using (var smtp = await SmtpTestClient.ConnectAsync(mta.SmtpPort))
            answer = await smtp.SendAsync("sender@origin.test", ["rcpt@dest.test"], Message);
        Assert.Equal(250, answer.Code);
        var delivered = await mta.WaitForDeliveryAsync(mta.QueueIdOf(answer));

        Assert.Equal("removed 1 attachment(s), cleaned 0 HTML part(s)", delivered.Header("X-Attachment-Guard"));
        Assert.Contains("filename=invoice.pdf.exe.removed.txt", delivered.Body, StringComparison.Ordinal);
        Assert.Contains("See attached.", delivered.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("TVqQ", delivered.Body, StringComparison.Ordinal);
        Assert.Equal(0, await guard.StopAsync());
    }

    /// <summary>A published sample running on a free port; stopped with SIGTERM, as systemd does.</summary>
    private sealed class RunningStamper : IAsyncDisposable
    {
        private readonly Process _process;

        private RunningStamper(Process process, int port)
        {
            _process = process;
            Port = port;
            Log = process.StandardError.ReadToEndAsync();
            Output = process.StandardOutput.ReadToEndAsync();
        }

        public int Port { get; }

        /// <summary>What the milter wrote on standard error, complete once it has exited.</summary>
        public Task<string> Log { get; }

        /// <summary>What the milter wrote on standard output (the generic host's console log), complete once it has exited.</summary>
        public Task<string> Output { get; }

        public static async Task<RunningStamper> StartAsync(string binary, Func<int, string>? arguments = null, string? workingDirectory = null,
            Dictionary<string, string>? environment = null)
        {
            var port = FreePorts.One();
            var start = new ProcessStartInfo(binary, arguments?.Invoke(port) ?? $"inet:{port}@127.0.0.1")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(binary),
            };
            foreach (var (name, value) in environment ?? [])
                start.Environment[name] = value;
            var process = Process.Start(start)!;
            var stamper = new RunningStamper(process, port);
            await using (await ConnectWhenListeningAsync(new IPEndPoint(IPAddress.Loopback, port), process))
            {
                // Connected once: it listens.
            }

            return stamper;
        }

        /// <summary>SIGTERM, then the exit code (0 when it stopped gracefully).</summary>
        public Task<int> StopAsync() => TerminateAsync(_process);

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }

    /// <summary>SIGTERM, as systemd and docker stop send it, then the exit code.</summary>
    private static async Task<int> TerminateAsync(Process process)
    {
        if (!process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                await kill.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        return process.ExitCode;
    }

    private static async Task<FakeMta> ConnectWhenListeningAsync(IPEndPoint endPoint, Process process)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 10);
        while (true)
        {
            try
            {
                return await FakeMta.ConnectAsync(endPoint);
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
            {
                await Task.Delay(10);
            }
        }
    }

}
