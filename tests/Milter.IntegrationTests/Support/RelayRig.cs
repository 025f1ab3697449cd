using System.Buffers;
using System.Text;
using Milter.Client;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.IntegrationTests.Support;

/// <summary>
/// The ExternalMilter tests' three pieces: <see cref="RelayTargetMilter"/> served by our MilterServer as the external
/// milter, a MilterServer serving an <see cref="ExternalMilter"/> in front of it, and MilterClient as the MTA.
/// </summary>
internal sealed class RelayRig : IAsyncDisposable
{
    private RelayRig(MilterServer? target, MilterServer front, ExternalMilter external, ListLogger log) =>
        (Target, Front, External, Log) = (target, front, external, log);

    /// <summary>The external milter, when the rig started one.</summary>
    public MilterServer? Target { get; }

    public MilterServer Front { get; }

    public ExternalMilter External { get; }

    /// <summary>What the ExternalMilter logged.</summary>
    public ListLogger Log { get; }

    /// <summary>The lines the ExternalMilter logged about failures.</summary>
    public IReadOnlyList<string> Failures => [.. Log.Entries.Where(e => e.Message.Contains("for the rest of the message", StringComparison.Ordinal)).Select(e => e.Message)];

    /// <summary>Starts the external milter (unless <paramref name="address"/> names one elsewhere) and the relay in front of it.</summary>
    public static async Task<RelayRig> StartAsync(Action<ExternalMilterOptions>? configure = null, string? address = null, bool probe = true)
    {
        var target = address is null ? await ServeAsync(MilterHandlerFactory.For<RelayTargetMilter>(), "inet:0@127.0.0.1") : null;
        var options = new ExternalMilterOptions { Name = "target", Address = address ?? target!.Addresses[0].Text };
        configure?.Invoke(options);
        var log = new ListLogger();
        var external = new ExternalMilter(options, log);
        if (probe)
            Assert.True(await external.ProbeAsync());
        var front = await ServeAsync(external, "inet:0@127.0.0.1");
        return new RelayRig(target, front, external, log);
    }

    public static async Task<MilterServer> ServeAsync(IMilterHandlerFactory factory, string address)
    {
        var server = new MilterServer(factory, new MilterServerOptions { Listen = { address } });
        await server.StartAsync();
        return server;
    }

    /// <summary>An MTA connection to the relay (Postfix's habits).</summary>
    public Task<MilterClient> ConnectMtaAsync() => MilterClient.ConnectAsync(Front.Addresses[0].Text, MtaProfile.Postfix, TimeSpan.FromSeconds(20));

    /// <summary>An MTA connection straight to the external milter, to compare against.</summary>
    public Task<MilterClient> ConnectDirectAsync() => MilterClient.ConnectAsync(Target!.Addresses[0].Text, MtaProfile.Postfix, TimeSpan.FromSeconds(20));

    public static MailMessage Message(string scenario, string subject = "hello") => MailMessage.Parse(Encoding.ASCII.GetBytes(
        $"From: <sender@origin.test>\r\nTo: <rcpt@dest.test>\r\nSubject: {subject}\r\nX-Remove-Me: yes\r\nX-Spaced:   three spaces\r\n"
        + $"X-Folded: first\r\n\tsecond\r\nX-Case: {scenario}\r\n\r\nHello.\r\nSecond line.\r\n"));

    public static Envelope Envelope(string sender = "sender@origin.test", params string[] recipients) =>
        new(sender, recipients.Length == 0 ? ["rcpt@dest.test", "other@dest.test"] : recipients)
        {
            SenderArguments = ["BODY=8BITMIME", "SIZE=1234"],
            Macros = new Dictionary<char, IReadOnlyDictionary<string, string>>
            {
                ['C'] = new Dictionary<string, string> { ["j"] = "mx.dest.test", ["{daemon_name}"] = "relay-test" },
                ['M'] = new Dictionary<string, string> { ["{auth_authen}"] = "alice" },
                // One queue id for every client, so the external milter reports the same whichever MTA connection it served.
                ['T'] = new Dictionary<string, string> { ["i"] = "4QUEUEID" },
                ['N'] = new Dictionary<string, string> { ["i"] = "4QUEUEID" },
                ['E'] = new Dictionary<string, string> { ["i"] = "4QUEUEID" },
            },
        };

    /// <summary>Changes as the bytes the MTA read.</summary>
    public static byte[] Bytes(IEnumerable<MilterResponse> responses)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var response in responses)
            response.WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The same verdict, step, changes (byte for byte), refusals and delivered message.</summary>
    public static void AssertSame(MessageOutcome direct, MessageOutcome relayed)
    {
        Assert.Equal(direct.Verdict, relayed.Verdict);
        Assert.Equal(direct.DecidedAt, relayed.DecidedAt);
        Assert.Equal(Bytes(direct.Actions), Bytes(relayed.Actions));
        Assert.Equal(direct.RefusedRecipients, relayed.RefusedRecipients);
        Assert.Equal(direct.QuarantineReason, relayed.QuarantineReason);
        Assert.Equal(direct.Delivered is null, relayed.Delivered is null);
        if (direct.Delivered is { } expected && relayed.Delivered is { } actual)
        {
            Assert.Equal(expected.Sender, actual.Sender);
            Assert.Equal(expected.Recipients, actual.Recipients);
            Assert.Equal(expected.Message.Headers, actual.Message.Headers);
            Assert.Equal(expected.Message.Body.ToArray(), actual.Message.Body.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Front.DisposeAsync();
        if (Target is not null)
            await Target.DisposeAsync();
    }
}
