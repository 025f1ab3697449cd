using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.IntegrationTests;

/// <summary>
/// A milter as its own process, run by <see cref="MilterServer.RunAsync(IMilterHandlerFactory, MilterServerOptions, Microsoft.Extensions.Logging.ILoggerFactory?, CancellationToken)"/>
/// or by the generic host: SIGHUP does not end it, a second instance exits with one line and code 73, and SIGTERM
/// with a handler that never returns still ends it, with code 70.
/// </summary>
public sealed class ProcessLifetimeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-process-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Socket => Path.Combine(_directory, "milter.sock");

    private string Settings(int shutdownMilliseconds = 30_000, string handlerTimeout = "00:00:25", string? listen = null)
    {
        var file = Path.Combine(_directory, "settings.json");
        File.WriteAllText(file, $$"""
            { "Milter": { "Listen": [ "{{listen ?? $"unix:{Socket}"}}" ], "HandlerTimeout": "{{handlerTimeout}}",
                          "ShutdownTimeout": "{{TimeSpan.FromMilliseconds(shutdownMilliseconds).ToString("c", CultureInfo.InvariantCulture)}}" } }
            """);
        return file;
    }

    [Fact]
    public async Task SIGHUP_is_logged_and_ignored_by_RunAsync_and_SIGTERM_then_stops_it_with_0()
    {
        await using var milter = await MilterProcess.StartAsync(Socket, "run", $"unix:{Socket}");
        milter.Signal("HUP");
        await Task.Delay(500);
        await using (var mta = await FakeMta.ConnectAsync(new UnixDomainSocketEndPoint(Socket)))
            await AssertStampsAsync(mta);

        Assert.Equal(MilterExitCode.Stopped, await milter.StopAsync("TERM", TimeSpan.FromSeconds(10)));
        Assert.Contains("SIGHUP received: nothing to reload; the milter goes on", milter.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGHUP_reloads_a_hosted_milter_s_settings_and_says_which_apply_and_which_need_a_restart()
    {
        var settings = Settings();
        await using var milter = await MilterProcess.StartAsync(Socket, "host", settings);
        await File.WriteAllTextAsync(settings, (await File.ReadAllTextAsync(settings))
            .Replace("00:00:25", "00:00:05", StringComparison.Ordinal).Replace("milter.sock", "other.sock", StringComparison.Ordinal));
        milter.Signal("HUP");

        Assert.True(await milter.WaitForOutputAsync("take effect only after a restart: Listen", TimeSpan.FromSeconds(10)), milter.Output);
        // Once: reloading every configuration source raises a change per source, and the settings are applied once.
        Assert.Single(milter.Output.Split('\n'), line => line.Contains("Settings reloaded for new connections", StringComparison.Ordinal));
        Assert.Contains("Settings reloaded for new connections: HandlerTimeout", milter.Output, StringComparison.Ordinal);
        await using (var mta = await FakeMta.ConnectAsync(new UnixDomainSocketEndPoint(Socket)))
            await AssertStampsAsync(mta);
        Assert.Equal(MilterExitCode.Stopped, await milter.StopAsync("TERM", TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("run", "inet:notaport@127.0.0.1", 64, "\"inet:notaport@127.0.0.1\" is not a milter address: \"notaport\" is not a port number. Use inet:PORT@HOST")]
    [InlineData("host", "inet:notaport@127.0.0.1", 64, "\"inet:notaport@127.0.0.1\" is not a milter address: \"notaport\" is not a port number. Use inet:PORT@HOST")]
    [InlineData("run", "inet:127.0.0.1:8890", 64, "a milter listens on inet:8890@127.0.0.1")]
    [InlineData("host", "inet:127.0.0.1:8890", 64, "a milter listens on inet:8890@127.0.0.1")]
    [InlineData("run", "unix:/nonexistent/dir/s.sock", 73, "Cannot listen on unix:/nonexistent/dir/s.sock: the directory /nonexistent/dir does not exist")]
    [InlineData("host", "unix:/nonexistent/dir/s.sock", 73, "Cannot listen on unix:/nonexistent/dir/s.sock: the directory /nonexistent/dir does not exist")]
    public async Task A_wrong_address_exits_with_one_line_that_says_what_is_wrong_and_the_right_form(string mode, string address, int expectedExit, string expected)
    {
        var (exitCode, output) = await MilterProcess.RunToEndAsync(mode, mode == "run" ? address : Settings(listen: address));

        Assert.True(expectedExit == exitCode, output);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot assign requested address", output, StringComparison.Ordinal);
        // The reason is the last line, not the host's "Application started" after it.
        Assert.Contains(expected, output.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("host")]
    public async Task A_second_instance_on_the_same_socket_exits_73_with_one_line(string mode)
    {
        await using var first = await MilterProcess.StartAsync(Socket, "run", $"unix:{Socket}");
        var settings = Settings();

        var (exitCode, output) = await MilterProcess.RunToEndAsync(mode, mode == "run" ? $"unix:{Socket}" : settings);

        Assert.Equal(MilterExitCode.CannotListen, exitCode);
        Assert.Contains($"Cannot listen on unix:{Socket}: another process is listening on this socket (is another instance running?)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        await using var mta = await FakeMta.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        await AssertStampsAsync(mta); // the first instance still serves, its socket untouched
    }

    [Theory]
    [InlineData("run")]
    [InlineData("host")]
    public async Task SIGTERM_with_a_handler_that_never_returns_exits_70_soon_after_the_shutdown_timeout(string mode)
    {
        await using var milter = await MilterProcess.StartAsync(Socket, mode, mode == "run" ? $"unix:{Socket}" : Settings(shutdownMilliseconds: 1000),
            "--stuck", "--shutdown-timeout", "1000");
        await using var mta = await FakeMta.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        await mta.NegotiateAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        await Task.Delay(500); // the handler is blocked now

        var started = Stopwatch.GetTimestamp();
        var exitCode = await milter.StopAsync("TERM", TimeSpan.FromSeconds(20));

        Assert.Equal(MilterExitCode.ForcedStop, exitCode);
        // 1 s of shutdown timeout, at most 2 s for aborted sessions, and the process's own exit; measured about 3.2 s.
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Null(await mta.TryReadAsync(TimeSpan.FromSeconds(2)));
    }

    private static async Task AssertStampsAsync(FakeMta mta)
    {
        await mta.NegotiateAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);
        var replies = await mta.ReadUntilFinalAsync();
        Assert.Equal(MilterResponse.Accept, replies[^1]);
    }

    /// <summary>Milter.ProcessHost, started with `dotnet`, its standard output and error collected.</summary>
    private sealed class MilterProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private MilterProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        private static string Binary
        {
            get
            {
                // …/tests/Milter.IntegrationTests/bin/Release/net10.0/ → …/tests/Milter.ProcessHost/bin/Release/net10.0/
                var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
                var framework = Path.GetFileName(here);
                var configuration = Path.GetFileName(Path.GetDirectoryName(here))!;
                var tests = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here))))!;
                return Path.Combine(tests, "Milter.ProcessHost", "bin", configuration, framework, "Milter.ProcessHost.dll");
            }
        }

        /// <summary>Starts it and waits until it accepts connections on <paramref name="socket"/>.</summary>
        public static async Task<MilterProcess> StartAsync(string socket, params string[] arguments)
        {
            var milter = new MilterProcess(Start(arguments));
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 20);
            while (true)
            {
                try
                {
                    using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(socket));
                    return milter;
                }
                catch (SocketException) when (Stopwatch.GetTimestamp() < deadline && !milter._process.HasExited)
                {
                    await Task.Delay(20);
                }
            }
        }

        public static async Task<(int ExitCode, string Output)> RunToEndAsync(params string[] arguments)
        {
            await using var milter = new MilterProcess(Start(arguments));
            await milter._process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            milter._process.WaitForExit(); // drains the output
            return (milter._process.ExitCode, milter.Output);
        }

        public void Signal(string signal)
        {
            using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
        }

        public async Task<int> StopAsync(string signal, TimeSpan wait)
        {
            Signal(signal);
            await _process.WaitForExitAsync().WaitAsync(wait);
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public async Task<bool> WaitForOutputAsync(string text, TimeSpan wait)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * wait.TotalSeconds);
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (Stopwatch.GetTimestamp() > deadline || _process.HasExited)
                    return false;
                await Task.Delay(20);
            }

            return true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static Process Start(string[] arguments) =>
            Process.Start(new ProcessStartInfo("dotnet", [Binary, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true })!;

        private void Append(string? line)
        {
            if (line is null)
                return;
            lock (_output)
                _output.AppendLine(line);
        }
    }
}
