using System.Net.Sockets;
using System.Text;
using Milter.Cli;
using Milter.Client;
using Milter.Server;
using Milter.Testing.Tests.Support;

namespace Milter.Testing.Tests;

/// <summary>
/// milter-test record between an MTA (our MilterClient, its bytes tapped) and a milter: the bytes pass unchanged, and
/// the capture file, read back with MilterCapture, holds exactly what each side sent, connection by connection.
/// </summary>
public sealed class RecordCommandTests : IAsyncLifetime
{
    private readonly string _capture = Path.Combine(Path.GetTempPath(), $"milter-record-{Guid.NewGuid():N}.txt");
    private readonly string _listen = Path.Combine(Path.GetTempPath(), $"milter-record-{Guid.NewGuid():N}.sock");
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
    private MilterServer? _milter;

    private static MailMessage Message(string subject) =>
        MailMessage.Parse(Encoding.ASCII.GetBytes($"From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: {subject}\r\nX-Internal: secret\r\n\r\nHello.\r\n"));

    public async ValueTask InitializeAsync()
    {
        _milter = new MilterServer(MilterHandlerFactory.For<PolicyFilter>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await _milter.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
        await _milter!.DisposeAsync();
        File.Delete(_capture);
    }

    /// <summary>Starts recording; returns once the relay accepts connections. Cancelling <see cref="_stop"/> plays SIGINT.</summary>
    private async Task<Task<CliResult>> RecordAsync(string milter)
    {
        var recording = MilterTestTool.RunAsync(["record", "--listen", $"unix:{_listen}", "--milter", milter, "--output", _capture], _stop.Token);
        while (!File.Exists(_listen))
        {
            if (recording.IsCompleted)
                Assert.Fail((await recording).Error);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return recording;
    }

    /// <summary>Waits until the capture holds <paramref name="connections"/> connections: each is written once both sides have closed.</summary>
    private async Task WaitForConnectionsAsync(int connections)
    {
        for (var waited = 0; waited < 1000; waited++)
        {
            if (File.ReadAllLines(_capture).Count(l => l.StartsWith("# --- connection", StringComparison.Ordinal)) == connections)
                return;
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"The capture did not get {connections} connections:\n{await File.ReadAllTextAsync(_capture)}");
    }

    [Fact]
    public async Task Sessions_are_relayed_unchanged_and_recorded_as_each_side_sent_them_in_the_order_opened()
    {
        var recording = await RecordAsync(_milter!.Addresses[0].ToString());

        // The first connection opens first and closes last: the capture keeps the order of opening.
        await using var first = await TappedMta.ConnectAsync(_listen, MtaProfile.Postfix);
        await using var second = await TappedMta.ConnectAsync(_listen, MtaProfile.Sendmail);
        var secondOutcome = await second.Client.SendMessageAsync(new Envelope("sender@example.org", ["b@example.net", "bcc@example.net"]), Message("second"));
        await second.Client.QuitAsync();
        await second.DisposeAsync();
        var firstOutcome = await first.Client.SendMessageAsync(new Envelope("sender@example.org", ["b@example.net"]), Message("first"));
        await first.Client.SendMessageAsync(new Envelope("sender@example.org", ["blocked@example.net"]), Message("first again"));
        await first.Client.QuitAsync();
        await first.DisposeAsync();
        await WaitForConnectionsAsync(2);
        await _stop.CancelAsync();
        var run = await recording;

        // Through the relay the milter behaved as it does directly.
        Assert.True(firstOutcome.Accepted);
        Assert.Null(firstOutcome.Delivered!.Message.Header("X-Internal"));
        Assert.Equal(["<b@example.net>", "<archive@example.net>"], secondOutcome.Delivered!.Recipients);
        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.Equal(string.Empty, run.Error);
        Assert.Contains($"recorded 2 connection(s) into {_capture}", run.Output, StringComparison.Ordinal);

        var capture = MilterCapture.Load(_capture);
        Assert.Equal(2, capture.Connections.Count);
        foreach (var (mta, connection) in new[] { (first, capture.Connections[0]), (second, capture.Connections[1]) })
        {
            Assert.Equal(mta.Sent, connection.MtaStream);
            Assert.Equal(mta.Received, connection.MilterStream);
            Assert.True(connection.Packets[0].FromMta);
            Assert.Equal((byte)'O', connection.Packets[0].Command);
            Assert.Equal((byte)'O', connection.Packets.First(p => !p.FromMta).Command);
            Assert.Equal((byte)'Q', connection.Packets[^1].Command);
            foreach (var packet in connection.Packets)
                Assert.Equal(CapturedPacket.Describe(packet.FromMta, packet.Bytes.Span), packet.Description);
        }

        Assert.Contains(capture.Connections[0].Packets, p => p.Description == "RCPT <blocked@example.net>");
        Assert.Contains(capture.Connections[1].Packets, p => p.Description == "RCPT <bcc@example.net>");
        Assert.Contains(capture.Connections[0].Packets, p => p.Description.StartsWith("REPLYCODE \"550 5.7.1 Blocked recipient", StringComparison.Ordinal));

        Assert.StartsWith($"recorded by: milter-test {MilterTestCommandLine.Version} (milter-test record)", capture.Notes[0], StringComparison.Ordinal);
        Assert.Matches(@"^date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", capture.Notes[1]);
        Assert.Equal($"mta: the MTA that connected to unix:{_listen}", capture.Notes[2]);
        Assert.Equal($"milter: {_milter.Addresses[0]}", capture.Notes[3]);
        Assert.StartsWith("opened ", capture.Connections[0].Label, StringComparison.Ordinal);

        // Each connection ends with both sides' EOF, as in the shared captures.
        var blocks = (await File.ReadAllTextAsync(_capture)).Split("\n# --- connection ");
        Assert.Equal(3, blocks.Length);
        foreach (var block in blocks[1..])
        {
            Assert.Contains("\n# mta -> milter: EOF (the MTA closed its side)\n", block, StringComparison.Ordinal);
            Assert.Contains("\n# milter -> mta: EOF (the milter closed its side)\n", block, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(_listen));
    }

    [Fact]
    public async Task A_recording_replays_as_a_test_with_the_same_outcomes()
    {
        await using var milter = new MilterServer(MilterHandlerFactory.For<RefusesBouncesAndStamps>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await milter.StartAsync();
        var recording = await RecordAsync(milter.Addresses[0].ToString());
        var outcomes = new List<MessageOutcome>();
        await using (var mta = await TappedMta.ConnectAsync(_listen, MtaProfile.Postfix))
        {
            outcomes.Add(await mta.Client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]), Message("one")));
            outcomes.Add(await mta.Client.SendMessageAsync(new Envelope("<>", ["b@example.net"]), Message("bounce")));
            await mta.Client.QuitAsync();
        }

        await WaitForConnectionsAsync(1);
        await _stop.CancelAsync();
        Assert.Equal(ExitCodes.Accepted, (await recording).Exit);

        // A production incident becomes a test: the filter, replayed the recorded MTA side, decides as it did.
        var replayed = await MilterTest.ReplayAsync<RefusesBouncesAndStamps>(_capture, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(outcomes.Select(o => (o.Verdict, o.DecidedAt)), replayed.Select(r => (r.Outcome.Verdict, r.Outcome.DecidedAt)));
        Assert.Equal("yes", replayed[0].Message!.Headers["X-Stamped"]);
    }

    [Fact]
    public async Task A_connection_open_when_the_recording_stops_is_written_with_what_it_carried()
    {
        var recording = await RecordAsync(_milter!.Addresses[0].ToString());
        await using var mta = await TappedMta.ConnectAsync(_listen, MtaProfile.Postfix);
        await mta.Client.NegotiateAsync(TestContext.Current.CancellationToken);

        await _stop.CancelAsync();
        var run = await recording;

        Assert.Equal(ExitCodes.Accepted, run.Exit);
        var connection = Assert.Single(MilterCapture.Load(_capture).Connections);
        Assert.Equal(mta.Sent, connection.MtaStream);
        Assert.Equal(mta.Received, connection.MilterStream);
        Assert.Contains("# mta -> milter: the recording stopped while the connection was open", await File.ReadAllTextAsync(_capture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_milter_that_cannot_be_reached_is_noted_and_the_MTA_connection_closed()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"milter-record-{Guid.NewGuid():N}.sock");
        var recording = await RecordAsync($"unix:{missing}");

        await using var mta = await TappedMta.ConnectAsync(_listen, MtaProfile.Postfix);
        // Closed (or reset, as the OPTNEG it sent was never read): the MTA sees a milter that went away, and applies its default.
        await Assert.ThrowsAsync<MilterClientException>(() => mta.Client.NegotiateAsync(TestContext.Current.CancellationToken));
        await WaitForConnectionsAsync(1);
        await _stop.CancelAsync();
        var run = await recording;

        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.Contains($"connection 1: no milter is listening at unix:{missing}: the socket file does not exist", run.Output, StringComparison.Ordinal);
        Assert.Empty(Assert.Single(MilterCapture.Load(_capture).Connections).Packets);
        Assert.Contains($"# recorder: no milter is listening at unix:{missing}: the socket file does not exist; the MTA's connection was closed",
            await File.ReadAllTextAsync(_capture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_never_takes_over_an_existing_socket_file()
    {
        using var existing = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        existing.Bind(new UnixDomainSocketEndPoint(_listen));

        var run = await MilterTestTool.RunAsync("record", "--listen", $"unix:{_listen}", "--milter", _milter!.Addresses[0].ToString(), "--output", _capture);

        Assert.Equal(ExitCodes.Error, run.Exit);
        Assert.Equal($"milter-test: cannot listen on unix:{_listen}: the file exists (remove it if nothing uses it)\n", run.Error.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.True(File.Exists(_listen));
    }
}

/// <summary>Tempfails bounces at MAIL (so MAIL is on the wire to record) and stamps the rest.</summary>
[MailFilter]
public sealed partial class RefusesBouncesAndStamps
{
    [OnMail]
    public MilterVerdict Mail(string sender) => sender == "<>" ? MilterVerdict.Tempfail() : MilterVerdict.Continue;

    [OnEndOfMessage]
    public MilterVerdict End(EndOfMessageContext message)
    {
        message.AddHeader("X-Stamped", "yes");
        return MilterVerdict.Accept;
    }
}
