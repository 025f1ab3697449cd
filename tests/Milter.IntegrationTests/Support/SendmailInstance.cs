using System.Text.RegularExpressions;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// A private Sendmail 8.17 started by the tests (sendmail/harness.sh), run from the .debs that
/// tests/install-dependencies.sh unpacks: its own configuration, queue and log in a folder, listening on a free
/// loopback port, relaying everything to an smtp-sink that dumps each message to a file.
/// </summary>
internal sealed partial class SendmailInstance : MtaInstance
{
    private static readonly string Root = Environment.GetEnvironmentVariable("SENDMAIL_ROOT") ?? "/opt/milter-tests/sendmail";

    private SendmailInstance(string directory, int smtpPort)
        : base("sendmail", directory, smtpPort)
    {
    }

    /// <summary>Why Sendmail cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (Environment.UserName != "root")
            return "a private Sendmail needs root (for its own mount and UTS namespace)";
        if (!File.Exists(Path.Combine(Root, "usr/libexec/sendmail/sendmail")))
            return $"Sendmail is not unpacked in {Root} (./test.sh does it when run as root: tests/install-dependencies.sh)";
        if (!File.Exists("/usr/bin/m4") || !File.Exists("/usr/sbin/smtp-sink") || !File.Exists("/usr/bin/python3"))
            return "m4, Postfix's smtp-sink or /usr/bin/python3 is missing (tests/install-dependencies.sh installs them)";
        return null;
    }

    /// <summary>Starts an instance that uses the milters listening on these 127.0.0.1 ports, in order.</summary>
    public static async Task<SendmailInstance> StartAsync(params int[] milterPorts)
    {
        // Not under /tmp: Sendmail refuses files in a world-writable folder's subtree.
        var directory = Path.Combine("/var/lib/milter-tests", $"sm-{Guid.NewGuid():N}"[..15]);
        System.IO.Directory.CreateDirectory(directory);
        var ports = FreePorts.Take(2);
        var instance = new SendmailInstance(directory, ports[0]);
        await RunHarnessAsync("sendmail", "start", directory, ports[0].ToString(), ports[1].ToString(), string.Join(',', milterPorts));
        return instance;
    }

    /// <summary>The queue id from Sendmail's answer to DATA ("250 2.0.0 ID Message accepted for delivery").</summary>
    public override string QueueIdOf(SmtpAnswer answer)
    {
        var match = Accepted().Match(answer.Lines[^1]);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"Not queued: {answer}");
    }

    public override async Task<DeliveredMessage> WaitForDeliveryAsync(string queueId, TimeSpan? timeout = null)
    {
        await WaitForLogAsync(queueId, @"to=<[^>]*>.* stat=Sent", timeout);
        return await ReadSinkAsync($"with ESMTP id {queueId}");
    }

    /// <summary>Waits for a maillog line about this message that matches <paramref name="pattern"/> (after "QUEUEID: ").</summary>
    public Task<string> WaitForLogAsync(string queueId, string pattern, TimeSpan? timeout = null) =>
        WaitForLogAsync(new Regex($" {Regex.Escape(queueId)}: {pattern}"), timeout);

    /// <summary>The quarantined messages (sendmail -bp -qQ), with their reasons.</summary>
    public Task<string> QuarantineListingAsync() => RunHarnessAsync("sendmail", "exec", Directory, "sendmail", "-bp", "-qQ");

    [GeneratedRegex(@"2\.0\.0 ([0-9A-Za-z]+) Message accepted")]
    private static partial Regex Accepted();
}
