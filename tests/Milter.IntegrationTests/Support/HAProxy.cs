using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// A private HAProxy running haproxy/milters.cfg (the recipe of docs/scaling.md) in the foreground: one frontend on a
/// free loopback port, three milter servers checked with a milter negotiation, a stats socket to read their state.
/// </summary>
internal sealed class HAProxy : IAsyncDisposable
{
    private const string Program = "/usr/sbin/haproxy";
    private static readonly StartProbe Probe = new(Program, "haproxy", async () => await StartAsync(["127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1"]));
    private readonly Process _process;
    private readonly string _directory;

    private HAProxy(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>The frontend: where the MTA's milter setting points.</summary>
    public int Port { get; }

    /// <summary>Why HAProxy cannot run here (not installed, or a private one did not start), or null when it can.</summary>
    public static string? Unavailable() => Probe.Reason;

    /// <summary>Starts it in front of the three servers m1, m2, m3 (host:port each), checked every <paramref name="checkInterval"/>.</summary>
    public static async Task<HAProxy> StartAsync(IReadOnlyList<string> servers, string checkInterval = "300ms")
    {
        var directory = Directory.CreateTempSubdirectory("milter-haproxy-").FullName;
        var port = FreePorts.One();
        var start = new ProcessStartInfo(Program, ["-db", "-f", Path.Combine(AppContext.BaseDirectory, "haproxy", "milters.cfg")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["HAPROXY_STATS"] = Path.Combine(directory, "stats.sock"),
                ["MILTER_FRONTEND"] = $"127.0.0.1:{port}",
                ["CHECK_INTERVAL"] = checkInterval,
                ["MILTER_1"] = servers[0],
                ["MILTER_2"] = servers[1],
                ["MILTER_3"] = servers[2],
            },
        };
        var process = Process.Start(start)!;
        // -db keeps it in the foreground and writes alerts on standard error: drain both pipes, keep the alerts.
        var alerts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) => alerts.Enqueue(line.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var haproxy = new HAProxy(process, directory, port);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!Listening.On(port) || !File.Exists(Path.Combine(directory, "stats.sock")))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await haproxy.DisposeAsync();
                throw new InvalidOperationException($"haproxy did not listen on {port}: {string.Join('\n', alerts)}");
            }

            await Task.Delay(20);
        }

        return haproxy;
    }

    /// <summary>Each server's state as the health checks see it (UP, DOWN, "UP 1/2" while it changes), from "show stat".</summary>
    public async Task<IReadOnlyDictionary<string, string>> ServerStatesAsync()
    {
        // CSV: pxname,svname,...,status (the 18th field); one line per frontend, server and backend.
        return (await CommandAsync("show stat")).Split('\n')
            .Select(line => line.Split(','))
            .Where(fields => fields.Length > 17 && fields[0] == "milters" && fields[1] is not ("BACKEND" or "FRONTEND"))
            .ToDictionary(fields => fields[1], fields => fields[17]);
    }

    /// <summary>Puts a server in maintenance, as an operator would: no new connection goes to it.</summary>
    public Task DisableAsync(string server) => CommandAsync($"disable server milters/{server}");

    /// <summary>One command on the admin socket, and what HAProxy answered.</summary>
    private async Task<string> CommandAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(_directory, "stats.sock")));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        var text = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        return text.ToString();
    }

    /// <summary>Waits until every server named has the state given (UP or DOWN), within 15 s.</summary>
    public async Task WaitForStatesAsync(params (string Server, string State)[] expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var states = await ServerStatesAsync();
            if (expected.All(e => states.TryGetValue(e.Server, out var state) && state == e.State))
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"HAProxy's servers are {string.Join(", ", states.Select(s => $"{s.Key} {s.Value}"))}, not {string.Join(", ", expected.Select(e => $"{e.Server} {e.State}"))}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
