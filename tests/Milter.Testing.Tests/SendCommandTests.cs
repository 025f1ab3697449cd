using Milter.Cli;
using Milter.Server;
using Milter.Testing.Tests.Support;

namespace Milter.Testing.Tests;

/// <summary>milter-test send against a running milter: the report, the diff, the exit codes, the short form and the load mode.</summary>
public sealed class SendCommandTests : IAsyncLifetime
{
    private readonly string _message = Path.Combine(Path.GetTempPath(), $"milter-cli-{Guid.NewGuid():N}.eml");
    private MilterServer? _server;

    private string Address => _server!.Addresses[0].ToString();

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(_message, "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: hi\r\nX-Internal: secret\r\n\r\nHello.\r\n");
        _server = new MilterServer(MilterHandlerFactory.For<PolicyFilter>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(_message);
        await _server!.DisposeAsync();
    }

    [Fact]
    public async Task An_accepted_message_prints_the_negotiation_the_changes_and_a_unified_diff()
    {
        var run = await MilterTestTool.RunAsync("send", Address, _message, "--rcpt", "b@example.net", "--rcpt", "bcc@example.net");

        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.Equal(string.Empty, run.Error);
        Assert.StartsWith("negotiated: version 6, actions 0x1C (AddRecipients, DeleteRecipients, ChangeHeaders)", run.Output, StringComparison.Ordinal);
        Assert.Contains("action: delete recipient <bcc@example.net>\n", run.Output, StringComparison.Ordinal);
        Assert.Contains("action: add recipient <archive@example.net>\n", run.Output, StringComparison.Ordinal);
        Assert.Contains("verdict: accept at EndOfMessage\n", run.Output, StringComparison.Ordinal);
        Assert.Contains("envelope: from <sender@example.org> to <b@example.net>, <archive@example.net>\n", run.Output, StringComparison.Ordinal);
        // Three lines of context, and no empty context line for the message's final CRLF.
        Assert.EndsWith($"""
            --- {_message}
            +++ delivered
            @@ -1,6 +1,5 @@
             From: <a@example.org>
             To: <b@example.net>
             Subject: hi
            -X-Internal: secret
             
             Hello.

            """, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_form_without_the_word_send_still_works_with_options_anywhere()
    {
        var withSend = await MilterTestTool.RunAsync("send", Address, _message, "--rcpt", "bcc@example.net", "--mta", "sendmail");
        var without = await MilterTestTool.RunAsync("--mta", "sendmail", Address, _message, "--rcpt", "bcc@example.net");

        Assert.Equal(ExitCodes.Accepted, without.Exit);
        Assert.Equal(withSend.Output, without.Output);
        Assert.Contains("action: delete recipient <bcc@example.net>", without.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_message_exits_with_2_and_shows_the_reply()
    {
        var run = await MilterTestTool.RunAsync(Address, _message, "--rcpt", "blocked@example.net", "--mta", "sendmail");

        Assert.Equal(ExitCodes.Rejected, run.Exit);
        Assert.Contains("verdict: reply 550 5.7.1 Blocked recipient at Rcpt", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("+++ delivered", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Macros_reach_the_milter_before_their_stage()
    {
        // The filter does not look at macros; a malformed one is refused before anything is sent.
        var run = await MilterTestTool.RunAsync("send", Address, _message, "--macro", "j=mx.example", "--macro", "M:{auth_authen}=alice");
        Assert.Equal(ExitCodes.Accepted, run.Exit);

        run = await MilterTestTool.RunAsync("send", Address, _message, "--macro", "X:i=1");
        Assert.Equal(ExitCodes.Error, run.Exit);
        Assert.Contains("--macro: stage X is not one of C H M R T N E", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_message_file_is_named()
    {
        var run = await MilterTestTool.RunAsync("send", Address, "/nonexistent/message.eml");

        Assert.Equal(ExitCodes.Error, run.Exit);
        Assert.StartsWith("milter-test: could not find", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/nonexistent/message.eml", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_given_as_the_message_is_called_a_folder_with_a_file_to_give_instead()
    {
        var folder = Path.Combine(Milter.IntegrationTests.Support.Repository.Root, "samples", "messages");

        var run = await MilterTestTool.RunAsync("send", Address, folder);

        Assert.Equal(ExitCodes.Error, run.Exit);
        Assert.Equal($"milter-test: {folder} is a folder, not a message: give one message file, such as {folder}/8bit-headers.eml\n", run.Error);
        Assert.DoesNotContain("denied", run.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Load_mode_reports_rate_latency_and_errors()
    {
        var run = await MilterTestTool.RunAsync(Address, _message, "--count", "60", "--concurrency", "4");

        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.Matches(@"^messages: 60 in [\d.]+ s \(\d+/s\) over 4 connections; latency p50 [\d.]+ ms, p99 [\d.]+ ms; errors: 0\n$", run.Output);
    }

    [Fact]
    public async Task Load_mode_against_nothing_counts_the_errors_and_says_why()
    {
        using var closed = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        closed.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)closed.LocalEndPoint!).Port; // bound, never listening: refused

        var run = await MilterTestTool.RunAsync($"inet:{port}@127.0.0.1", _message, "--count", "3");

        Assert.Equal(ExitCodes.Error, run.Exit);
        Assert.Contains("errors: 3\n", run.Output, StringComparison.Ordinal);
        Assert.Contains($"first error: connection refused by 127.0.0.1:{port}: nothing listens there", run.Output, StringComparison.Ordinal);
    }
}
