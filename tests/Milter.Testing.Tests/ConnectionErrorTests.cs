using System.Net;
using System.Net.Sockets;
using System.Text;
using Milter.Cli;
using Milter.Testing.Tests.Support;
using Milter.Tests.Support;

namespace Milter.Testing.Tests;

/// <summary>When milter-test cannot talk to a milter it says why in words that name the address, for send and probe alike.</summary>
public sealed class ConnectionErrorTests : IDisposable
{
    private readonly string _message = Path.Combine(Path.GetTempPath(), $"milter-cli-{Guid.NewGuid():N}.eml");
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"milter-cli-{Guid.NewGuid():N}.sock");

    public ConnectionErrorTests() => File.WriteAllText(_message, "Subject: hi\r\n\r\nHello.\r\n");

    public void Dispose()
    {
        File.Delete(_message);
        File.Delete(_socket);
    }

    /// <summary>The same address through send and probe: both must fail with exit code 1 and the same words.</summary>
    private async Task<string> FailureAsync(string address, params string[] options)
    {
        var send = await MilterTestTool.RunAsync(["send", address, _message, .. options]);
        var probe = await MilterTestTool.RunAsync(["probe", address, .. options]);
        Assert.Equal(ExitCodes.Error, send.Exit);
        Assert.Equal(ExitCodes.Error, probe.Exit);
        Assert.Equal(send.Error, probe.Error);
        Assert.Equal(string.Empty, probe.Output);
        Assert.StartsWith("milter-test: ", probe.Error, StringComparison.Ordinal);
        return probe.Error.TrimEnd();
    }

    [Fact]
    public async Task A_missing_unix_socket_is_a_socket_file_that_does_not_exist() =>
        Assert.Equal($"milter-test: no milter is listening at unix:{_socket}: the socket file does not exist", await FailureAsync($"unix:{_socket}"));

    [Fact]
    public async Task A_socket_file_nobody_accepts_on_is_called_stale()
    {
        // Bound, never listening: the file is there and connecting is refused, as after a milter died without removing it.
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(_socket));

        Assert.Equal($"milter-test: no milter is listening at unix:{_socket}: the socket file exists, but nothing accepts connections on it (left behind by a milter that stopped?)",
            await FailureAsync($"unix:{_socket}"));
    }

    [Fact]
    public async Task A_refused_connection_names_the_host_and_port()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never listening: refused
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;

        Assert.Equal($"milter-test: connection refused by 127.0.0.1:{port}: nothing listens there", await FailureAsync($"inet:{port}@127.0.0.1"));
    }

    [Fact]
    public async Task A_connection_that_is_never_accepted_times_out_naming_the_host_and_port()
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, as a firewall that drops packets does.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        using var queued = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await queued.ConnectAsync(full.LocalEndPoint!, TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)full.LocalEndPoint!).Port;

        Assert.Equal($"milter-test: no answer from 127.0.0.1:{port} within 0.3 s: the connection was not accepted (a firewall that drops packets?)",
            await FailureAsync($"inet:{port}@127.0.0.1", "--timeout", "0.3"));
    }

    [Fact]
    public async Task A_milter_that_does_not_answer_in_time_is_named_with_the_timeout()
    {
        using var silent = new ScriptedPeer(async socket => await Task.Delay(3000));

        Assert.Equal($"milter-test: the milter at {silent.Address} did not answer OPTNEG within 0.3 s", await FailureAsync(silent.Address, "--timeout", "0.3"));
    }

    [Fact]
    public async Task An_SMTP_server_is_shown_by_its_greeting()
    {
        using var smtp = new ScriptedPeer(async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("220 mail.example ESMTP Postfix (Debian/GNU)\r\n"));
            await socket.ReceiveAsync(new byte[1024]);
            await Task.Delay(3000);
        });

        Assert.Equal($"milter-test: the peer at {smtp.Address} does not speak the milter protocol; it sent: 220 mail.example ESMTP Postfix (Debian/GNU)",
            await FailureAsync(smtp.Address));
    }

    [Fact]
    public async Task An_HTTP_server_is_shown_by_its_status_line()
    {
        using var http = new ScriptedPeer(async socket =>
        {
            await socket.ReceiveAsync(new byte[1024]);
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nBad Request"));
        });

        Assert.Equal($"milter-test: the peer at {http.Address} does not speak the milter protocol; it sent: HTTP/1.1 400 Bad Request...", await FailureAsync(http.Address));
    }
}
