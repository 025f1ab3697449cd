using Milter.Cli;
using Milter.Server;

namespace Milter.Testing.Tests;

/// <summary>milter-test against a running milter: the report, the exit codes, and the load mode.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private readonly string _message = Path.Combine(Path.GetTempPath(), $"milter-cli-{Guid.NewGuid():N}.eml");
    private MilterServer? _server;

    private string Address => _server!.Addresses[0].ToString();

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(_message, "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: hi\r\nX-Internal: secret\r\n\r\nHello.\r\n");
        _server = new MilterServer(MilterFilter.Factory<PolicyFilter>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(_message);
        await _server!.DisposeAsync();
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        var exit = await MilterTestCommand.RunAsync(args, output, TestContext.Current.CancellationToken);
        return (exit, output.ToString());
    }

    [Fact]
    public async Task An_accepted_message_prints_the_negotiation_the_changes_and_a_diff()
    {
        var (exit, output) = await RunAsync(Address, _message, "--rcpt", "b@example.net", "--rcpt", "bcc@example.net");

        Assert.Equal(MilterTestCommand.Accepted, exit);
        Assert.Contains("negotiated: version 6, actions 0x1C (AddRecipients, DeleteRecipients, ChangeHeaders)", output, StringComparison.Ordinal);
        Assert.Contains("action: delete recipient <bcc@example.net>", output, StringComparison.Ordinal);
        Assert.Contains("action: add recipient <archive@example.net>", output, StringComparison.Ordinal);
        Assert.Contains("verdict: accept at EndOfMessage", output, StringComparison.Ordinal);
        Assert.Contains("envelope: from <sender@example.org> to <b@example.net>, <archive@example.net>", output, StringComparison.Ordinal);
        Assert.Contains("\n-X-Internal: secret\n", output.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_message_exits_with_2_and_shows_the_reply()
    {
        var (exit, output) = await RunAsync(Address, _message, "--rcpt", "blocked@example.net", "--mta", "sendmail");

        Assert.Equal(MilterTestCommand.Rejected, exit);
        Assert.Contains("verdict: reply 550 5.7.1 Blocked recipient at Rcpt", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_and_an_unreachable_milter_exit_with_1()
    {
        var (exit, output) = await RunAsync(Address);
        Assert.Equal(MilterTestCommand.Error, exit);
        Assert.Contains("usage: milter-test ADDRESS MESSAGE.eml", output, StringComparison.Ordinal);

        (exit, output) = await RunAsync("inet:1@127.0.0.1", _message);
        Assert.Equal(MilterTestCommand.Error, exit);
        Assert.StartsWith("milter-test: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_mode_reports_rate_latency_and_errors()
    {
        var (exit, output) = await RunAsync(Address, _message, "--count", "60", "--concurrency", "4");

        Assert.Equal(MilterTestCommand.Accepted, exit);
        Assert.Matches(@"messages: 60 in [\d.]+ s \(\d+/s\) over 4 connections; latency p50 [\d.]+ ms, p99 [\d.]+ ms; errors: 0", output);
    }
}
