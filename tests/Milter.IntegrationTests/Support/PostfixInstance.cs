using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// A private Postfix started by the tests (postfix/harness.sh): its own configuration and queue in a temporary
/// folder, smtpd on a free loopback port, relaying everything to an smtp-sink that dumps each message to a file.
/// </summary>
internal sealed partial class PostfixInstance : MtaInstance
{
    private PostfixInstance(string directory, int smtpPort, int plainPort, int otherPort)
        : base("postfix", directory, smtpPort) => (PlainSmtpPort, OtherSmtpPort) = (plainPort, otherPort);

    /// <summary>Its configuration directory: what <c>postconf</c> and <c>postfix</c> reach with MAIL_CONFIG or <c>-c</c>.</summary>
    public string ConfigDirectory => Path.Combine(Directory, "etc");

    /// <summary>An smtpd port without the milter, to compare against.</summary>
    public int PlainSmtpPort { get; }

    /// <summary>An smtpd port with the other milters given to <see cref="StartAsync"/> (the main one's when none were).</summary>
    public int OtherSmtpPort { get; }

    /// <summary>Why Postfix cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!File.Exists("/usr/sbin/postfix") || !File.Exists("/usr/sbin/smtp-sink"))
            return "Postfix is not installed (./test.sh installs it when run as root: apt-get install postfix)";
        if (Environment.UserName != "root")
            return "a private Postfix instance needs root";
        return null;
    }

    /// <summary>
    /// Starts an instance whose smtpd uses the milter at <paramref name="milter"/> (Postfix syntax, e.g. inet:127.0.0.1:8890,
    /// several separated by spaces), and on <see cref="OtherSmtpPort"/> the <paramref name="otherMilters"/>.
    /// </summary>
    public static Task<PostfixInstance> StartAsync(string milter, string? otherMilters = null) =>
        LaunchAsync(milter, otherMilters, new Dictionary<string, string>());

    /// <summary>
    /// Starts an instance without a milter that relays every message to smtpd on 127.0.0.1:<paramref name="port"/>: the
    /// sending MTA of a test, whose queue keeps and retries what the other instance defers. It has no sink.
    /// </summary>
    public static Task<PostfixInstance> StartRelayingAsync(int port) =>
        LaunchAsync("none", null, new Dictionary<string, string> { ["RELAY_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>Starts an instance that resolves host names (a milter's among them) with <paramref name="hostsFile"/> instead of /etc/hosts.</summary>
    public static Task<PostfixInstance> StartWithHostsAsync(string milter, string hostsFile) =>
        LaunchAsync(milter, null, new Dictionary<string, string> { ["HOSTS"] = hostsFile });

    private static async Task<PostfixInstance> LaunchAsync(string milter, string? otherMilters, IReadOnlyDictionary<string, string> environment)
    {
        var directory = Path.Combine("/tmp", $"milter-it-{Guid.NewGuid():N}"[..20]);
        System.IO.Directory.CreateDirectory(directory);
        var ports = FreePorts.Take(4);
        var instance = new PostfixInstance(directory, ports[0], ports[2], otherMilters is null ? ports[0] : ports[3]);
        string[] other = otherMilters is null ? [] : [ports[3].ToString(), otherMilters];
        await RunHarnessAsync("postfix", environment, ["start", directory, ports[0].ToString(), ports[1].ToString(), milter, ports[2].ToString(), .. other]);
        return instance;
    }

    /// <summary>The queue id from Postfix's answer to DATA ("250 2.0.0 Ok: queued as ID").</summary>
    public override string QueueIdOf(SmtpAnswer answer)
    {
        var match = QueuedAs().Match(answer.Lines[^1]);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"Not queued: {answer}");
    }

    public override async Task<DeliveredMessage> WaitForDeliveryAsync(string queueId, TimeSpan? timeout = null)
    {
        await WaitForLogAsync(new Regex($@" {Regex.Escape(queueId)}: to=<[^>]*>.* status=sent "), timeout);
        return await ReadSinkAsync($"(Postfix) with ESMTP id {queueId}");
    }

    /// <summary>
    /// Waits until the message was delivered and gives it back as the next hop received it, byte for byte (LF line
    /// ends): the sink's meta lines and its own Received: taken off, so it can be sent on unchanged.
    /// </summary>
    public async Task<string> WaitForRawDeliveryAsync(string queueId, TimeSpan? timeout = null)
    {
        await WaitForLogAsync(new Regex($@" {Regex.Escape(queueId)}: to=<[^>]*>.* status=sent "), timeout);
        var lines = (await ReadSinkTextAsync($"(Postfix) with ESMTP id {queueId}")).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var received = lines.FindIndex(l => l.StartsWith("Received:", StringComparison.Ordinal));
        var start = received + 1;
        while (lines[start].StartsWith(' ') || lines[start].StartsWith('\t'))
            start++;
        // smtp-sink ends each dump with one empty line of its own.
        return string.Join('\n', lines.Skip(start).SkipLast(1));
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

    /// <summary>
    /// Asks the queue manager to retry every deferred message now (postqueue -f): a message that a scan found still being
    /// delivered ("skipped, still being delivered") can otherwise wait far longer than the harness's 2 s backoff.
    /// </summary>
    public async Task FlushQueueAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("/usr/sbin/postqueue", ["-c", Path.Combine(Directory, "etc"), "-f"]))!;
        await process.WaitForExitAsync();
    }

    /// <summary>The messages in the queue, with the reason each recipient waits (what the next hop answered).</summary>
    public async Task<IReadOnlyList<QueuedMessage>> QueuedAsync()
    {
        var queued = new List<QueuedMessage>();
        foreach (var line in (await QueueListingAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            var root = json.RootElement;
            queued.Add(new QueuedMessage(root.GetProperty("queue_id").GetString()!, root.GetProperty("queue_name").GetString()!,
                [.. root.GetProperty("recipients").EnumerateArray().Select(r => r.TryGetProperty("delay_reason", out var reason) ? reason.GetString()! : "")]));
        }

        return queued;
    }

    [GeneratedRegex(@"queued as ([0-9A-Za-z]+)")]
    private static partial Regex QueuedAs();
}
