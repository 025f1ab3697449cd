using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// A private Postfix started by the tests (postfix/harness.sh): its own configuration and queue in a temporary
/// folder, smtpd on a free loopback port, relaying everything to an smtp-sink that dumps each message to a file.
/// </summary>
internal sealed partial class PostfixInstance : IAsyncDisposable
{
    private PostfixInstance(string directory, int smtpPort, int plainPort)
    {
        Directory = directory;
        SmtpPort = smtpPort;
        PlainSmtpPort = plainPort;
    }

    public string Directory { get; }

    /// <summary>The smtpd port whose mail goes through the milter.</summary>
    public int SmtpPort { get; }

    /// <summary>An smtpd port without the milter, to compare against.</summary>
    public int PlainSmtpPort { get; }

    /// <summary>Why Postfix cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!File.Exists("/usr/sbin/postfix") || !File.Exists("/usr/sbin/smtp-sink"))
            return "Postfix is not installed (./test.sh installs it when run as root: apt-get install postfix)";
        if (Environment.UserName != "root")
            return "a private Postfix instance needs root";
        return null;
    }

    /// <summary>Starts an instance whose smtpd uses the milter at <paramref name="milter"/> (Postfix syntax, e.g. inet:127.0.0.1:8890).</summary>
    public static async Task<PostfixInstance> StartAsync(string milter)
    {
        var directory = Path.Combine("/tmp", $"milter-it-{Guid.NewGuid():N}"[..20]);
        System.IO.Directory.CreateDirectory(directory);
        var ports = FreePorts(3);
        var instance = new PostfixInstance(directory, ports[0], ports[2]);
        await RunHarnessAsync("start", directory, ports[0].ToString(), ports[1].ToString(), milter, ports[2].ToString());
        return instance;
    }

    /// <summary>The queue id from Postfix's answer to DATA ("250 2.0.0 Ok: queued as ID").</summary>
    public static string QueueIdOf(SmtpAnswer answer)
    {
        var match = QueuedAs().Match(answer.Lines[^1]);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"Not queued: {answer}");
    }

    /// <summary>Waits until Postfix delivered the message to the sink, and reads it back.</summary>
    public async Task<DeliveredMessage> WaitForDeliveryAsync(string queueId, TimeSpan? timeout = null)
    {
        var sent = new Regex($@" {Regex.Escape(queueId)}: to=<[^>]*>.* status=sent ");
        await WaitForLogAsync(sent, timeout);
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(Directory, "sink")))
        {
            var text = await File.ReadAllTextAsync(file);
            if (text.Contains($"(Postfix) with ESMTP id {queueId}", StringComparison.Ordinal))
                return DeliveredMessage.Parse(text);
        }

        throw new InvalidOperationException($"Postfix says {queueId} was sent, but the sink has no such message.");
    }

    /// <summary>Waits for a maillog line about this message that matches <paramref name="pattern"/> (after "QUEUEID: ").</summary>
    public Task<string> WaitForLogAsync(string queueId, string pattern, TimeSpan? timeout = null) =>
        WaitForLogAsync(new Regex($" {Regex.Escape(queueId)}: {pattern}"), timeout);

    /// <summary>The queue each message is in, from postqueue -j (hold, incoming, active, deferred).</summary>
    public async Task<string> QueueListingAsync()
    {
        var info = new ProcessStartInfo("/usr/sbin/postqueue", ["-c", Path.Combine(Directory, "etc"), "-j"]) { RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    public string MailLog => File.ReadAllText(Path.Combine(Directory, "maillog"));

    public async ValueTask DisposeAsync()
    {
        await RunHarnessAsync("stop", Directory);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A daemon may still be letting go of a file; the folder is in /tmp.
        }
    }

    private async Task<string> WaitForLogAsync(Regex pattern, TimeSpan? timeout)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var match = pattern.Match(MailLog);
            if (match.Success)
                return match.Value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No maillog line matched /{pattern}/. The log:\n{string.Join('\n', MailLog.Split('\n').TakeLast(40))}");
            await Task.Delay(50);
        }
    }

    private static async Task RunHarnessAsync(params string[] arguments)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "postfix", "harness.sh");
        var info = new ProcessStartInfo("/bin/bash", [script, .. arguments])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"harness.sh {string.Join(' ', arguments)} failed: {await error}");
    }

    private static int[] FreePorts(int count)
    {
        var sockets = Enumerable.Range(0, count).Select(_ =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return socket;
        }).ToList();
        var ports = sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToArray();
        sockets.ForEach(s => s.Dispose());
        return ports;
    }

    [GeneratedRegex(@"queued as ([0-9A-Za-z]+)")]
    private static partial Regex QueuedAs();
}
