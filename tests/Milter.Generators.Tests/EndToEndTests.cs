using Milter.Generators.Tests.Filters;
using Milter.Generators.Tests.Support;
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
        await using var mta = FakeMta.Start(MilterHandlerFactory.For<StampFilter>(new Services()));
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
    public async Task A_CSharp_14_filter_built_by_the_SDK_negotiates_and_makes_every_change()
    {
        Assert.Equal(ActionFlags.AddHeaders | ActionFlags.DeleteRecipients | ActionFlags.Quarantine, ModernFilter.Description.Actions);
        await using var mta = FakeMta.Start(MilterHandlerFactory.For<ModernFilter>());
        await mta.NegotiateAsync();
        await mta.SendAsync(MilterCommandCode.EndOfBody);

        Assert.Equal(new QuarantineResponse("tagged modern"), await mta.ReadAsync());
        Assert.Equal(new DeleteRecipientResponse("<old@example.org>"), await mta.ReadAsync());
        Assert.Equal(new AddHeaderResponse("X-Timed", "yes"), await mta.ReadAsync());
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
        await using var server = new MilterServer(MilterHandlerFactory.For<BodyScanner>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
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

/// <summary>The generator's own failures, and the short way to run a generated filter.</summary>
public class GeneratorEdgeTests
{
    [Fact]
    public void A_record_filter_is_created_with_its_primary_constructor_not_its_copy_constructor()
    {
        var greeter = Assert.IsType<Greeter>(Greeter.Create(null));

        Assert.Equal("hello", greeter.Greeting);
        Assert.Equal(ActionFlags.AddHeaders, Greeter.Description.Actions);
    }

    [Fact]
    public void A_failure_inside_the_generator_becomes_MILTER000_on_the_class()
    {
        var compilation = GeneratorHarness.Compile("""
            using Milter;
            [MailFilter] public partial class Stamp { }
            """);
        var type = compilation.GetTypeByMetadataName("Stamp")!;

        var failure = Model.GeneratorFailure.Create(type, new InvalidOperationException("boom"));
        var diagnostic = failure.ToDiagnostic();

        Assert.Equal(failure, Model.GeneratorFailure.Create(type, new InvalidOperationException("boom")));
        Assert.Equal(("MILTER000", Microsoft.CodeAnalysis.DiagnosticSeverity.Error), (diagnostic.Id, diagnostic.Severity));
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(1, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("could not complete 'Stamp': InvalidOperationException: boom", message, StringComparison.Ordinal);
        Assert.Contains("please report it", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_takes_options_and_a_logger_factory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"milter-run-{Guid.NewGuid():N}.sock");
        var options = new MilterServerOptions { Listen = { $"unix:{path}" }, Mta = MtaKind.Sendmail };
        var log = new ListLoggerFactory();
        using var stop = new CancellationTokenSource();

        var running = MilterServer.RunAsync<Greeter>(options, log, stop.Token);
        await using (var mta = await ConnectWhenListeningAsync(path))
        {
            await mta.NegotiateAsync();
            await mta.SendAsync(MilterCommandCode.EndOfBody);
            // Sendmail as configured, not recognised: X-Greeting is not one of its defaults, so it goes past the end.
            Assert.Equal(new InsertHeaderResponse(int.MaxValue, "X-Greeting", "hello"), await mta.ReadAsync());
        }

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(log.Messages, m => m == $"Milter listening on unix:{path}");
    }

    private static async Task<FakeMta> ConnectWhenListeningAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await FakeMta.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 100)
            {
                await Task.Delay(50);
            }
        }
    }
}
