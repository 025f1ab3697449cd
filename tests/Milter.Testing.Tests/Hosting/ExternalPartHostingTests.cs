using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Milter.Client;
using Milter.Hosting;
using Milter.Server;

namespace Milter.Testing.Tests.Hosting;

/// <summary>A local part whose change the external part after it overrides.</summary>
[MailFilter("tag-subject")]
public partial class TagSubjectFilter
{
    [OnEndOfMessage]
    public void End(EndOfMessageContext message) => message.ChangeHeader("Subject", "[local] hi");
}

/// <summary>The external milter of these tests: it reports the Subject it was shown, and tags it.</summary>
[MailFilter("seen-subject")]
public partial class SeenSubjectFilter
{
    private string _subject = "";

    [OnHeader]
    public void Header(string name, string value)
    {
        if (name.Equals("Subject", StringComparison.OrdinalIgnoreCase))
            _subject = value.Trim();
    }

    [OnEndOfMessage]
    public void End(EndOfMessageContext message)
    {
        message.AddHeader("X-Seen-Subject", _subject);
        message.ChangeHeader("Subject", "[seen] " + _subject);
    }
}

/// <summary>
/// A hosted pipeline's external part: declared in code with AddExternal (its place in the order), configured in
/// Milter:Pipeline:Parts:&lt;name&gt;:External (address, timeouts, what to answer without it), like any part for the rest.
/// </summary>
public class ExternalPartHostingTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration["Milter:Listen:0"] = "inet:0@127.0.0.1";
        builder.Services.AddMilterPipeline(services =>
            MilterPipeline.Create("hosted").Add<TagSubjectFilter>(services).AddExternal(services, "scanner").Build());
        return builder.Build();
    }

    private static async Task<MessageOutcome> SendAsync(IHost host)
    {
        var address = host.Services.GetRequiredService<MilterPipelineHostedService>().Addresses[0].ToString();
        await using var client = await MilterClient.ConnectAsync(address);
        return await client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]), MailMessage.Parse(Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nBody.\r\n")));
    }

    private static async Task<MilterServer> StartExternalAsync()
    {
        var server = new MilterServer(MilterHandlerFactory.For<SeenSubjectFilter>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    [Fact]
    public async Task A_configured_external_part_runs_in_its_place_in_code_and_its_changes_apply_after_the_parts_before_it()
    {
        await using var external = await StartExternalAsync();
        using var host = Build(new()
        {
            ["Milter:Pipeline:Parts:scanner:External:Address"] = external.Addresses[0].Text,
            ["Milter:Pipeline:Parts:scanner:External:CommandTimeout"] = "00:00:05",
            ["Milter:Pipeline:Parts:scanner:External:WhenUnavailable"] = "Reject",
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        var composition = host.Services.GetRequiredService<MilterComposition>();

        var first = new MilterTestResult(await SendAsync(host)).AssertAccepted();
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Milter:Pipeline:Parts:scanner:DryRun"] = "true";
        configuration["Milter:Pipeline:Parts:scanner:DryRunHeader"] = "X-DryRun-Scanner";
        configuration.Reload();
        var dry = new MilterTestResult(await SendAsync(host)).AssertAccepted();
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["tag-subject", "scanner"], composition.PartNames);
        // The scanner is shown the Subject as the local part left it, as the MTA chain shows the next milter, and tags that.
        Assert.Equal("[seen] [local] hi", first.Headers["Subject"]);
        Assert.NotNull(first.Headers["X-Seen-Subject"]);
        // Like any part, the external one is switched to dry run by a reload: what it would have added is only named.
        Assert.Null(dry.Headers["X-Seen-Subject"]);
        Assert.Equal("[local] hi", dry.Headers["Subject"]);
        Assert.Contains("scanner:", dry.Headers["X-DryRun-Scanner"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Continue")]
    [InlineData("Tempfail")]
    [InlineData("Reject")]
    public async Task An_external_part_that_is_down_gets_its_configured_answer_and_the_local_part_still_runs(string whenUnavailable)
    {
        int port;
        await using (var gone = await StartExternalAsync())
            port = ((System.Net.IPEndPoint)gone.Addresses[0].EndPoint).Port;
        using var host = Build(new()
        {
            ["Milter:Pipeline:Parts:scanner:External:Address"] = $"inet:127.0.0.1:{port}",
            ["Milter:Pipeline:Parts:scanner:External:ConnectTimeout"] = "00:00:02",
            ["Milter:Pipeline:Parts:scanner:External:WhenUnavailable"] = whenUnavailable,
        });
        await host.StartAsync(TestContext.Current.CancellationToken);

        var outcome = await SendAsync(host);
        await host.StopAsync(TestContext.Current.CancellationToken);

        switch (whenUnavailable)
        {
            case "Continue":
                var delivered = new MilterTestResult(outcome).AssertAccepted();
                Assert.Equal("[local] hi", delivered.Headers["Subject"]);
                Assert.Null(delivered.Headers["X-Seen-Subject"]);
                break;
            case "Tempfail":
                Assert.True(outcome.Tempfailed);
                break;
            default:
                Assert.True(outcome.Rejected);
                break;
        }
    }

    [Fact]
    public async Task A_part_declared_external_in_code_without_its_External_section_stops_the_start_naming_the_setting()
    {
        using var host = Build(new() { ["Milter:Pipeline:Parts:scanner:DryRun"] = "true" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Milter:Pipeline:Parts:scanner:External is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_External_section_stops_the_start_naming_the_problem()
    {
        using var host = Build(new() { ["Milter:Pipeline:Parts:scanner:External:Address"] = "smtp://nowhere" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Milter:Pipeline:Parts:scanner:External:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_external_part_only_in_configuration_is_refused_with_how_to_place_it()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Milter:Listen:0"] = "inet:0@127.0.0.1",
            ["Milter:Pipeline:Parts:opendkim:External:Address"] = "inet:127.0.0.1:8891",
        });
        builder.Services.AddMilterPipeline(services => MilterPipeline.Create("hosted").Add<TagSubjectFilter>(services).Build());
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("opendkim", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddExternal", error.Message, StringComparison.Ordinal);
    }
}
