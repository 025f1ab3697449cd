using Microsoft.Extensions.Logging;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>
/// A mistyped address, or a socket directory that is not there, ends the start in one line that names the address, what
/// is wrong and the right form, with an exit code a service manager can act on: never a stack trace.
/// </summary>
public sealed class AddressErrorTests
{
    private static IMilterHandlerFactory Plain() => new StallingHandler().Factory();

    [Theory]
    [InlineData("inet:notaport@127.0.0.1", "\"inet:notaport@127.0.0.1\" is not a milter address: \"notaport\" is not a port number. Use inet:PORT@HOST (inet:8890@127.0.0.1), inet6:PORT@HOST, unix:/path or local:/path.")]
    [InlineData("inet:127.0.0.1:8890", "\"inet:127.0.0.1:8890\" is not a milter address: \"127.0.0.1:8890\" is not a port number (that is Postfix's spelling, inet:HOST:PORT; a milter listens on inet:8890@127.0.0.1). Use inet:PORT@HOST (inet:8890@127.0.0.1), inet6:PORT@HOST, unix:/path or local:/path.")]
    [InlineData("inet:[::1]:8890", "a milter listens on inet6:8890@::1)")]
    [InlineData("/run/milter/m.sock", "unknown scheme \"/run/milter/m.sock\"")]
    public async Task RunAsync_with_a_bad_address_logs_one_line_and_returns_InvalidAddress(string address, string expected)
    {
        var log = new ListLogger();

        var exitCode = await MilterServer.RunAsync(Plain(), new MilterServerOptions { Listen = { address } }, log).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(64, exitCode);
        Assert.Equal(MilterExitCode.InvalidAddress, exitCode);
        var line = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Critical, line.Level);
        Assert.Null(line.Exception);
        Assert.DoesNotContain('\n', line.Message);
        Assert.Contains(expected, line.Message, StringComparison.Ordinal);
        var error = Assert.Throws<MilterAddressException>(() => MilterAddress.Parse(address));
        Assert.Equal(address, error.Address);
    }

    [Fact]
    public async Task A_socket_in_a_missing_directory_names_the_directory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "milter-missing-" + Guid.NewGuid().ToString("N"), "run");
        var log = new ListLogger();

        var exitCode = await MilterServer.RunAsync(Plain(), new MilterServerOptions { Listen = { $"unix:{directory}/s.sock" } }, log).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(MilterExitCode.CannotListen, exitCode);
        var line = Assert.Single(log.Entries);
        Assert.Equal($"Cannot listen on unix:{directory}/s.sock: the directory {directory} does not exist; create it (under systemd, RuntimeDirectory= does) or choose another path", line.Message);
        Assert.DoesNotContain("Cannot assign requested address", line.Message, StringComparison.Ordinal);
    }
}
