using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// What the private Postfix and Sendmail of the tests share: a folder of their own, an SMTP port whose mail goes
/// through the milter, a log to wait on, an smtp-sink dumping what they deliver, and a harness script that starts
/// and stops them.
/// </summary>
internal abstract class MtaInstance(string harness, string directory, int smtpPort) : IAsyncDisposable
{
    public string Directory { get; } = directory;

    /// <summary>The SMTP port whose mail goes through the milter.</summary>
    public int SmtpPort { get; } = smtpPort;

    public string MailLog => File.ReadAllText(Path.Combine(Directory, "maillog"));

    /// <summary>The queue id in the MTA's answer to DATA.</summary>
    public abstract string QueueIdOf(SmtpAnswer answer);

    /// <summary>Waits until the MTA delivered the message to the sink, and reads it back.</summary>
    public abstract Task<DeliveredMessage> WaitForDeliveryAsync(string queueId, TimeSpan? timeout = null);

    public async ValueTask DisposeAsync()
    {
        await RunHarnessAsync(harness, "stop", Directory);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A daemon may still be letting go of a file; the folder is a temporary one.
        }
    }

    /// <summary>The dump of the delivered message whose text contains <paramref name="marker"/> (the MTA's Received: names the queue id).</summary>
    protected async Task<DeliveredMessage> ReadSinkAsync(string marker) => DeliveredMessage.Parse(await ReadSinkTextAsync(marker));

    /// <summary>The whole dump of the delivered message whose text contains <paramref name="marker"/>, as smtp-sink wrote it.</summary>
    protected async Task<string> ReadSinkTextAsync(string marker)
    {
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(Directory, "sink")))
        {
            var text = await File.ReadAllTextAsync(file);
            if (text.Contains(marker, StringComparison.Ordinal))
                return text;
        }

        throw new InvalidOperationException($"The MTA says it delivered the message with \"{marker}\", but the sink has no such message.");
    }

    /// <summary>Waits for a maillog line that matches <paramref name="pattern"/>.</summary>
    public async Task<string> WaitForLogAsync(Regex pattern, TimeSpan? timeout = null)
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

    /// <summary>Every message the sink received completely so far, in no particular order.</summary>
    public async Task<IReadOnlyList<DeliveredMessage>> DeliveredAsync()
    {
        var messages = new List<DeliveredMessage>();
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(Directory, "sink")))
        {
            var dump = await File.ReadAllTextAsync(file);
            // smtp-sink writes a dump as the transaction goes: its envelope lines come first, the empty line after the message last.
            if (dump.Contains("X-Mail-Args", StringComparison.Ordinal) && dump.Replace("\r\n", "\n", StringComparison.Ordinal).EndsWith("\n\n", StringComparison.Ordinal))
                messages.Add(DeliveredMessage.Parse(dump));
        }

        return messages;
    }

    /// <summary>Runs harness.sh from the test output folder (<paramref name="script"/> is postfix or sendmail); returns its output.</summary>
    protected static Task<string> RunHarnessAsync(string script, params string[] arguments) =>
        RunHarnessAsync(script, new Dictionary<string, string>(), arguments);

    /// <summary>The same, with variables added to the harness's environment.</summary>
    protected static async Task<string> RunHarnessAsync(string script, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var path = Path.Combine(AppContext.BaseDirectory, script, "harness.sh");
        var info = new ProcessStartInfo("/bin/bash", [path, .. arguments])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script}/harness.sh {string.Join(' ', arguments)} failed: {await error}");
        return output;
    }

}
