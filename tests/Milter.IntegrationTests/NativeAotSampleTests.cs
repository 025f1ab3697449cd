using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Milter.IntegrationTests.Support;
using Milter.Protocol;
using Milter.Tests.Support;

namespace Milter.IntegrationTests;

/// <summary>The attribute-style sample publishes as one NativeAOT binary with no warnings, and the binary answers a milter session.</summary>
[Collection(RepositoryBuilds.Name)]
public class NativeAotSampleTests
{
    private static string RepositoryRoot
    {
        get
        {
            var directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Milter.sln")))
                directory = Path.GetDirectoryName(directory);
            return directory ?? throw new InvalidOperationException("Milter.sln not found above " + AppContext.BaseDirectory);
        }
    }

    [Fact]
    public async Task The_header_stamper_publishes_with_NativeAOT_and_answers_a_session()
    {
        var output = Path.Combine(Path.GetTempPath(), $"milter-aot-{Guid.NewGuid():N}");
        try
        {
            var (exitCode, log) = await RunAsync("dotnet", "publish", Path.Combine(RepositoryRoot, "samples", "HeaderStamper"),
                "-c", "Release", "-r", "linux-x64", "-o", output);
            Assert.True(exitCode == 0, log);
            Assert.DoesNotMatch(@"(?i)\bwarning\b", log);
            var binary = Path.Combine(output, "HeaderStamper");
            Assert.True(File.Exists(binary), log);

            var port = FreePort();
            var started = Stopwatch.GetTimestamp();
            using var process = Process.Start(new ProcessStartInfo(binary, $"inet:{port}@127.0.0.1") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            try
            {
                var endPoint = new IPEndPoint(IPAddress.Loopback, port);
                await using var mta = await ConnectWhenListeningAsync(endPoint, process);
                TestContext.Current.SendDiagnosticMessage($"start to listening: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");

                var reply = await mta.NegotiateAsync();
                Assert.Equal(ActionFlags.AddHeaders, reply.Actions);
                Assert.Equal(ProtocolFlags.NoReplyHeader, reply.Protocol & ProtocolFlags.NoReplyHeader);
                await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", "hello"));
                await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "From", "a@b.example"));
                await mta.SendAsync(MilterCommandCode.EndOfBody);
                Assert.Equal(new AddHeaderResponse("X-Stamped", "2 headers seen by Milter for .NET"), await mta.ReadAsync());
                Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());
            }
            finally
            {
                // SIGTERM: the binary must stop gracefully on its own.
                using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                    await kill.WaitForExitAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
        }
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

    private static async Task<(int ExitCode, string Log)> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
