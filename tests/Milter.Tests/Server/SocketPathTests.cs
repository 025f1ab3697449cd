using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Server;

/// <summary>What is at a unix socket path decides the start: nothing or a stale socket is fine; anything else stops it, untouched.</summary>
public sealed class SocketPathTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-path-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IMilterHandlerFactory Plain() => new StallingHandler().Factory();

    [Fact]
    public async Task A_regular_file_at_the_socket_path_stops_the_start_and_is_kept()
    {
        var path = Path.Combine(_directory, "main.cf");
        await File.WriteAllTextAsync(path, "smtpd_milters = inet:127.0.0.1:8891\n");
        await using var server = new MilterServer(Plain(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1", $"unix:{path}" } });

        var error = await Assert.ThrowsAsync<MilterListenException>(() => server.StartAsync());

        Assert.Equal($"Cannot listen on unix:{path}: {path} is a regular file, not a socket; it was left as it is. Remove it or choose another path.", error.Message);
        Assert.Equal("smtpd_milters = inet:127.0.0.1:8891\n", await File.ReadAllTextAsync(path));
        Assert.Empty(server.Addresses); // the address bound before it was let go
    }

    [Fact]
    public async Task A_directory_at_the_socket_path_stops_the_start()
    {
        var path = Path.Combine(_directory, "sockets");
        Directory.CreateDirectory(path);
        await using var server = new MilterServer(Plain(), new MilterServerOptions { Listen = { $"unix:{path}" } });

        var error = await Assert.ThrowsAsync<MilterListenException>(() => server.StartAsync());
        Assert.Contains("is a directory, not a socket", error.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public async Task A_stale_socket_is_replaced()
    {
        var path = Path.Combine(_directory, "stale.sock");
        // Bound, never listening: what a crashed milter leaves. Kept open to the end, because .NET unlinks the path on dispose.
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(path));
        var log = new ListLogger();

        await using var server = await TestServer.StartAsync(Plain(), o => o.Listen.Add($"unix:{path}"), log);
        await using var mta = await TestServer.OpenAsync(server);

        Assert.Contains(log.Entries, e => e.Message == $"Removed stale socket {path}");
    }

    [Fact]
    public async Task RunAsync_on_a_socket_another_instance_serves_logs_one_line_and_returns_CannotListen()
    {
        var path = Path.Combine(_directory, "live.sock");
        await using var first = await TestServer.StartAsync(Plain(), o => o.Listen.Add($"unix:{path}"));
        var log = new ListLogger();

        var exitCode = await MilterServer.RunAsync(Plain(), new MilterServerOptions { Listen = { $"unix:{path}" } }, log)
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(MilterExitCode.CannotListen, exitCode);
        var line = Assert.Single(log.Entries);
        Assert.Equal((LogLevel.Critical, $"Cannot listen on unix:{path}: another process is listening on this socket (is another instance running?)", (Exception?)null), line);
        await using var mta = await TestServer.OpenAsync(first); // the first instance is untouched
    }

    [Fact]
    public async Task A_port_in_use_is_a_listen_error_naming_the_address()
    {
        await using var first = await TestServer.StartAsync(Plain(), _ => { });
        var taken = first.Addresses[0].ToString();
        await using var second = new MilterServer(Plain(), new MilterServerOptions { Listen = { taken } });

        var error = await Assert.ThrowsAsync<MilterListenException>(() => second.StartAsync());
        Assert.Equal($"Cannot listen on {taken}: the address is in use (is another instance running?)", error.Message);
    }
}
