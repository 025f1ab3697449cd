using Milter.Generators.Tests.Filters;
using Milter.Protocol;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Generators.Tests;

/// <summary>Generated milters driven through the real session engine: negotiation and dispatch work.</summary>
public class EndToEndTests
{
    private sealed class FixedClock : IClock
    {
        public string Now => "noon";
    }

    private sealed class Services : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IClock) ? new FixedClock() : null;
    }

    [Fact]
    public async Task The_stamp_filter_negotiates_what_it_needs_and_handles_a_message()
    {
        await using var mta = FakeMta.Start(MilterFilter.Factory<StampFilter>(new Services()));
        var reply = await mta.NegotiateAsync();
        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.SetMacroLists, reply.Actions);
        Assert.Equal([new MacroRequest(MacroStage.Rcpt, ["{auth_authen}", "i"])], reply.MacroRequests);

        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<x@blocked.example>"));
        Assert.Equal(new ReplyCodeResponse(SmtpReply.Create(550, "5.7.1", "Relaying denied")), await mta.ReadAsync());
        await mta.SendMacrosAsync('R', ("{auth_authen}", "alice"));
        await mta.SendAsync(w => MtaCommandWriter.WriteRcpt(w, "<y@blocked.example>"));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "Subject", "a"));
        await mta.SendAsync(w => MtaCommandWriter.WriteHeader(w, "From", "b"));
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(new AddHeaderResponse("X-Stamped", "2 headers at noon"), await mta.ReadAsync());
        Assert.Equal(MilterResponse.Accept, await mta.ReadAsync());
    }

    [Fact]
    public void A_missing_constructor_service_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StampFilter.Create(null));
        Assert.Contains("stamp needs a IClock for its constructor parameter 'clock'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_body_scanner_skips_and_replaces_the_body_over_a_real_socket()
    {
        await using var server = new MilterServer(MilterFilter.Factory<BodyScanner>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await server.StartAsync();
        await using var mta = await FakeMta.ConnectAsync(server.Addresses[0].EndPoint);
        var reply = await mta.NegotiateAsync();
        Assert.Equal(ProtocolFlags.Skip | ProtocolFlags.RejectedRecipients, reply.Protocol & (ProtocolFlags.Skip | ProtocolFlags.RejectedRecipients));

        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, new byte[80]));
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        await mta.SendAsync(w => MtaCommandWriter.WriteBody(w, new byte[80]));
        Assert.Equal(MilterResponse.Skip, await mta.ReadAsync());
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(new ReplaceBodyResponse("scanned\r\n"u8.ToArray()), await mta.ReadAsync());
        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
    }

    [Fact]
    public async Task No_reply_handlers_are_called_without_the_MTA_waiting()
    {
        ConnectionLogger? created = null;
        var factory = MilterHandlerFactory.Create(ConnectionLogger.Description, () => created = (ConnectionLogger)ConnectionLogger.Create(null));
        await using var mta = FakeMta.Start(factory);
        await mta.NegotiateAsync();
        await mta.SendAsync(w => MtaCommandWriter.WriteConnect(w, "client.example", ConnectionFamily.IPv4, 25, "192.0.2.9"));
        await mta.SendAsync(w => MtaCommandWriter.WriteHelo(w, "helo.example"));
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(MilterResponse.Continue, await mta.ReadAsync());
        Assert.Equal(["client.example", "helo.example"], created!.Seen);
    }
}
