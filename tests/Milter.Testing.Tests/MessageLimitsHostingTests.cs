using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Milter.Client;
using Milter.Hosting;
using Milter.IntegrationTests.Support;
using Milter.Protocol;

namespace Milter.Testing.Tests;

/// <summary>
/// Message limits from configuration (<c>Milter:Limits</c>, as docs/message-limits.md shows them), checked at start with
/// messages that name the setting, and applied by the test host from its options.
/// </summary>
public partial class MessageLimitsHostingTests
{
    private static IHost Build(Action<IConfigurationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        configure(builder.Configuration);
        builder.Services.AddSingleton<IGreeting, Hello>();
        builder.Services.AddMilter<GreetingFilter>();
        return builder.Build();
    }

    private sealed class Hello : IGreeting
    {
        public string Text => "hello";
    }

    [Fact]
    public async Task The_settings_of_the_docs_page_bind_and_a_SIZE_past_the_limit_gets_the_reply_they_configure()
    {
        var page = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "message-limits.md"), TestContext.Current.CancellationToken);
        var json = JsonBlock().Match(page).Groups["json"].Value.Replace("inet:8890@127.0.0.1", "inet:0@127.0.0.1", StringComparison.Ordinal);
        using var host = Build(c => c.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        var limits = host.Services.GetRequiredService<IOptions<MilterHostingOptions>>().Value.ToServerOptions().Limits;
        await host.StartAsync(TestContext.Current.CancellationToken);
        var address = host.Services.GetRequiredService<MilterHostedService<GreetingFilter>>().Addresses[0].ToString();
        await using (var client = await MilterClient.ConnectAsync(address))
        {
            var outcome = await client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net"]) { SenderArguments = ["SIZE=26214401"] },
                MailMessage.Parse("Subject: hi\r\n\r\nBody.\r\n"u8));
            Assert.Equal(MilterSteps.Mail, outcome.DecidedAt);
            Assert.Equal("552 5.3.4 Message too big for this site", Assert.IsType<ReplyCodeResponse>(outcome.Verdict).Reply.ToWireText());
        }

        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal((100, LimitAction.Tempfail, 26_214_400L, 20_971_520L, LimitAction.Accept, 500, 65_536L),
            (limits.MaxRecipients, limits.MaxRecipientsVerdict.Action, limits.MaxMessageSize, limits.MaxBodyBytes, limits.MaxBodyBytesVerdict.Action,
                limits.MaxHeaders, limits.MaxHeaderBytes));
    }

    [Fact]
    public async Task Bad_limits_stop_the_host_at_start_each_named_with_its_configuration_key()
    {
        using var host = Build(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Milter:Listen:0"] = "inet:0@127.0.0.1",
            ["Milter:Limits:MaxRecipients"] = "0",
            ["Milter:Limits:MaxBodyBytes"] = "1000",
            ["Milter:Limits:MaxBodyBytesVerdict:Reply"] = "too big",
            ["Milter:Limits:MaxHeadersVerdict:Action"] = "Tempfail",
            ["Milter:Limits:MaxHeadersVerdict:Reply"] = "554 5.6.0 Not temporary",
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Milter:Limits:MaxRecipients must be positive (or unset to turn it off); it is 0.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Milter:Limits:MaxBodyBytesVerdict: the reply \"too big\" must be a 3-digit code", StringComparison.Ordinal));
        Assert.Contains("Milter:Limits:MaxHeadersVerdict: a Tempfail needs a 4xx reply; \"554 5.6.0 Not temporary\" is permanent.", error.Failures);
    }

    [Fact]
    public async Task A_configuration_reload_changes_the_limits_for_new_connections()
    {
        using var host = Build(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Milter:Listen:0"] = "inet:0@127.0.0.1",
            ["Milter:Limits:MaxRecipients"] = "1",
        }));
        await host.StartAsync(TestContext.Current.CancellationToken);
        var address = host.Services.GetRequiredService<MilterHostedService<GreetingFilter>>().Addresses[0].ToString();
        async Task<IReadOnlyList<string>> RefusedAsync()
        {
            await using var client = await MilterClient.ConnectAsync(address);
            var outcome = await client.SendMessageAsync(new Envelope("a@example.org", ["b@example.net", "c@example.net"]),
                MailMessage.Parse("Subject: hi\r\n\r\nBody.\r\n"u8));
            return outcome.RefusedRecipients;
        }

        var before = await RefusedAsync();
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Milter:Limits:MaxRecipients"] = "2";
        configuration.Reload();
        var after = await RefusedAsync();

        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["c@example.net"], before);
        Assert.Empty(after);
    }

    [Fact]
    public async Task The_test_host_applies_the_limits_of_its_options()
    {
        var options = new MilterSessionOptions { ProgressInterval = null };
        options.Limits.MaxRecipients = 1;
        await using var test = MilterTest.For(MilterHandlerFactory.For<GreetingFilter>(new ServiceCollection().AddSingleton<IGreeting, Hello>().BuildServiceProvider()),
            options: options);

        var result = await test.SendAsync("Subject: hi\r\n\r\nBody.\r\n"u8.ToArray(), new Envelope("a@example.org", ["b@example.net", "c@example.net"]));

        Assert.Equal(["c@example.net"], result.RefusedRecipients);
        Assert.Equal(["b@example.net"], result.Recipients);
        Assert.Equal("hello", result.Message!.Headers["X-Greeting"]);
    }

    [GeneratedRegex(@"```json\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
