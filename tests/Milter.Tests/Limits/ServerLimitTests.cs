using System.Text;
using Milter.Client;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Tests.Limits;

/// <summary>The server applies <see cref="MilterSessionOptions.Limits"/> to every connection, and a reload changes them for new ones.</summary>
public class ServerLimitTests
{
    private static async Task<MessageOutcome> SendAsync(MilterServer server, params string[] recipients)
    {
        await using var client = await MilterClient.ConnectAsync(server.Addresses[0].ToString(), MtaProfile.Postfix);
        var outcome = await client.SendMessageAsync(new Envelope("sender@origin.test", recipients),
            MailMessage.Parse(Encoding.ASCII.GetBytes(LimitTestRig.Message())));
        await client.QuitAsync();
        return outcome;
    }

    [Fact]
    public async Task Limits_apply_to_each_connection_and_a_reload_brings_new_ones_to_new_connections()
    {
        var calls = new List<string>();
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler(calls));
        await using var server = await TestServer.StartAsync(factory, o => o.Limits.MaxRecipients = 1);

        var limited = await SendAsync(server, "a@dest.test", "b@dest.test");
        var reloaded = new MilterServerOptions { Limits = new MessageLimits { MaxRecipients = 2 } };
        var applied = server.Reload(reloaded);
        var widened = await SendAsync(server, "a@dest.test", "b@dest.test");

        Assert.Equal(["b@dest.test"], limited.RefusedRecipients);
        Assert.Contains(nameof(MilterSessionOptions.Limits), applied);
        Assert.Empty(widened.RefusedRecipients);
        // Equal limits in a new object are no change.
        Assert.Empty(server.Reload(new MilterServerOptions { Limits = new MessageLimits { MaxRecipients = 2 } }));
    }

    [Fact]
    public void Invalid_limits_stop_the_server_being_built_and_a_reload_being_applied()
    {
        var factory = MilterHandlerFactory.Create(new MilterDescription(), () => new RecordingHandler([]));
        var options = new MilterServerOptions { Listen = { "inet:0@127.0.0.1" }, Limits = new MessageLimits { MaxBodyBytes = 0 } };

        var thrown = Assert.Throws<ArgumentException>(() => new MilterServer(factory, options));
        Assert.Contains("Limits.MaxBodyBytes must be positive", thrown.Message, StringComparison.Ordinal);

        options.Limits = new MessageLimits();
        var server = new MilterServer(factory, options);
        Assert.Throws<ArgumentException>(() => server.Reload(new MilterServerOptions { Limits = new MessageLimits { MaxHeaders = -2 } }));
    }
}
