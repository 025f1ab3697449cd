using System.Buffers;
using Milter.Cli;
using Milter.Protocol;
using Milter.Server;
using Milter.Testing.Tests.Support;
using Milter.Tests.Support;

namespace Milter.Testing.Tests;

/// <summary>milter-test probe: what a milter asks for in negotiation, and an exit code a health check can use.</summary>
public sealed class ProbeCommandTests
{
    [Fact]
    public async Task A_milter_is_probed_with_everything_offered_and_its_answer_printed()
    {
        await using var server = new MilterServer(MilterHandlerFactory.For<PolicyFilter>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await server.StartAsync();
        var address = server.Addresses[0].ToString();

        var run = await MilterTestTool.RunAsync("probe", address, "--timeout", "5");

        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.Equal(string.Empty, run.Error);
        var lines = run.Output.TrimEnd().Split('\n');
        Assert.Matches($@"^{address}: a milter, protocol version 6, answered in [\d.]+ ms$", lines[0]);
        Assert.Equal("actions:  0x1C (AddRecipients, DeleteRecipients, ChangeHeaders)", lines[1]);
        Assert.StartsWith("protocol: 0x", lines[2], StringComparison.Ordinal);
        Assert.Contains("NoConnect", lines[2], StringComparison.Ordinal);
        Assert.Equal("macros:   none requested (the MTA's defaults)", lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public async Task The_offer_is_everything_and_macro_requests_are_listed_per_stage()
    {
        var offers = new List<OptionNegotiation>();
        using var milter = new ScriptedPeer(async socket =>
        {
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer);
            lock (offers)
                offers.Add(OptionNegotiation.Parse(buffer.AsMemory(5, read - 5)));
            var reply = new ArrayBufferWriter<byte>();
            new OptionNegotiation(6, ActionFlags.AddHeaders | ActionFlags.Quarantine, ProtocolFlags.NoConnect | ProtocolFlags.NoHelo,
                [new MacroRequest(MacroStage.Connect, ["{client_addr}", "{daemon_port}"]), new MacroRequest(MacroStage.Rcpt, ["i", "{rcpt_addr}"])]).WriteTo(reply);
            await socket.SendAsync(reply.WrittenMemory);
            await socket.ReceiveAsync(buffer); // QUIT
        });

        var run = await MilterTestTool.RunAsync("probe", milter.Address);

        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.Equal(new OptionNegotiation(6, ActionFlags.All, ProtocolFlags.All), Assert.Single(offers));
        Assert.EndsWith("""
            actions:  0x21 (AddHeaders, Quarantine)
            protocol: 0x3 (NoConnect, NoHelo)
            macros:   at Connect: {client_addr} {daemon_port}
            macros:   at Rcpt: i {rcpt_addr}

            """, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_wait_a_probe_waits_for_a_milter_that_starts_later()
    {
        var path = Path.Combine(Path.GetTempPath(), $"milter-wait-{Guid.NewGuid():N}.sock");
        await using var server = new MilterServer(MilterHandlerFactory.For<PolicyFilter>(), new MilterServerOptions { Listen = { $"unix:{path}" } });

        var withoutWait = await MilterTestTool.RunAsync("probe", $"unix:{path}");
        var probe = MilterTestTool.RunAsync("probe", $"unix:{path}", "--wait", "30");
        await Task.Delay(600, TestContext.Current.CancellationToken);
        Assert.False(probe.IsCompleted);
        await server.StartAsync(TestContext.Current.CancellationToken);
        var run = await probe;

        Assert.Equal(ExitCodes.Error, withoutWait.Exit);
        Assert.Contains("the socket file does not exist", withoutWait.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.StartsWith($"unix:{path}: a milter, protocol version 6", run.Output, StringComparison.Ordinal);
    }
}
