using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Client;
using Milter.Hosting;
using Milter.IntegrationTests.Support;
using Pipeline;

namespace Milter.IntegrationTests;

/// <summary>
/// samples/Pipeline hosted as its Program.cs hosts it, with its appsettings.json, in front of a real OpenDKIM: the policy
/// marks inbound mail (to example.org), the new rule reports in dry run on everything, and OpenDKIM signs only what an
/// authenticated client sends. Behind a real Postfix for unauthenticated mail (the test Postfix has no SASL to log in
/// with); the authenticated message comes from MilterClient, which sends the <c>{auth_authen}</c> Postfix would.
/// </summary>
public sealed class PipelineSampleTests
{
    private static string Message(string to, string subject) =>
        $"From: <sender@example.org>\nTo: <{to}>\nSubject: {subject}\nDate: Mon, 07 Dec 2026 12:00:00 +0000\nMessage-ID: <{subject.Replace(' ', '-')}@example.org>\n\nHello.\n";

    /// <summary>The sample as its Program.cs runs it, on a free port, with OpenDKIM at <paramref name="openDkim"/>.</summary>
    private static async Task<(IHost Host, int Port)> HostSampleAsync(string openDkim)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Path.Combine(Repository.Root, "samples", "Pipeline"),
            Args = ["--Milter:Listen:0", "inet:0@127.0.0.1", "--Milter:Pipeline:Parts:opendkim:External:Address", openDkim],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddMilterPipeline(services => Inbound.Build(services, services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline")));
        var host = builder.Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<MilterPipelineHostedService>().Addresses[0];
        return (host, ((IPEndPoint)address.EndPoint).Port);
    }

    private static async Task<MessageOutcome> SendAuthenticatedAsync(int port)
    {
        await using var mta = await MilterClient.ConnectAsync($"inet:{port}@127.0.0.1", MtaProfile.Postfix, TimeSpan.FromSeconds(20));
        var envelope = new Envelope("sender@example.org", ["rcpt@dest.test"])
        {
            Macros = new Dictionary<char, IReadOnlyDictionary<string, string>> { ['M'] = new Dictionary<string, string> { ["{auth_authen}"] = "alice" } },
        };
        return await mta.SendMessageAsync(envelope, MailMessage.Parse(Encoding.ASCII.GetBytes(Message("rcpt@dest.test", "outbound").ReplaceLineEndings("\r\n"))));
    }

    [Fact]
    public async Task Behind_Postfix_OpenDKIM_signs_authenticated_mail_only_the_policy_marks_inbound_and_the_new_rule_reports_everywhere()
    {
        if ((PostfixInstance.Unavailable() ?? OpenDkim.Unavailable()) is { } reason)
            Assert.Skip(reason);
        if (!await MilterProcess.RunsAsync("/usr/bin/python3", "-c", "import dkim"))
            Assert.Skip("dkimpy is not installed (apt-get install python3-dkim; ./test.sh does it as root)");
        var directory = Directory.CreateTempSubdirectory("milter-sample-dkim-").FullName;
        try
        {
            Assert.True(await MilterProcess.RunsAsync("/usr/sbin/opendkim-genkey", "-D", directory, "-d", "example.org", "-s", "test"));
            await using var opendkim = await OpenDkim.StartAsync(directory, "signer",
                $"Domain example.org\nSelector test\nKeyFile {Path.Combine(directory, "test.private")}\nMode s");
            var (host, port) = await HostSampleAsync($"inet:127.0.0.1:{opendkim.Port}");
            using var owner = host;
            await using var postfix = await PostfixInstance.StartAsync($"inet:127.0.0.1:{port}");

            async Task<Support.DeliveredMessage> DeliverAsync(string to, string subject)
            {
                await using var smtp = await SmtpTestClient.ConnectAsync(postfix.SmtpPort);
                var answer = await smtp.SendAsync("sender@example.org", [to], Message(to, subject));
                Assert.Equal(250, answer.Code);
                return await postfix.WaitForDeliveryAsync(postfix.QueueIdOf(answer));
            }

            var inbound = await DeliverAsync("someone@example.org", "INBOUND SHOUT");
            var relayed = await DeliverAsync("rcpt@dest.test", "unauthenticated");
            var authenticated = await SendAuthenticatedAsync(port);
            await host.StopAsync();

            // OpenDKIM would sign anything from 127.0.0.1 (its InternalHosts): the part's condition keeps it to authenticated mail.
            Assert.Null(inbound.Header("DKIM-Signature"));
            Assert.Null(relayed.Header("DKIM-Signature"));
            var signed = Assert.IsType<Client.DeliveredMessage>(authenticated.Delivered, exactMatch: false).Message;
            Assert.Contains("d=example.org", signed.Header("DKIM-Signature"), StringComparison.Ordinal);
            Assert.Contains("s=test", signed.Header("DKIM-Signature"), StringComparison.Ordinal);
            // The parts before OpenDKIM added only headers it does not sign: the delivered signature verifies.
            Assert.Equal("signatures=1 verified=True", await ExternalMilterOracleTests.VerifyAsync(directory, signed.ToString()));

            Assert.Equal("checked", inbound.Header("X-Local-Policy")?.Trim());
            Assert.Null(relayed.Header("X-Local-Policy"));
            Assert.Null(signed.Header("X-Local-Policy"));
            Assert.Equal("new-rule: reject 550 5.7.1 please do not shout at eom", inbound.Header("X-DryRun-NewRule")?.Trim());
            Assert.StartsWith("new-rule: continue", relayed.Header("X-DryRun-NewRule")?.Trim(), StringComparison.Ordinal);
            Assert.StartsWith("new-rule: continue", signed.Header("X-DryRun-NewRule")?.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_configuration_in_docs_composition_md_is_the_samples()
    {
        var page = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "composition.md"));
        var section = page[page.IndexOf("### In configuration", StringComparison.Ordinal)..];
        var start = section.IndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        var documented = JsonNode.Parse(section[start..section.IndexOf("```", start, StringComparison.Ordinal)])!;
        var sample = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "samples", "Pipeline", "appsettings.json")))!;

        Assert.True(JsonNode.DeepEquals(sample["Milter"]!["Pipeline"], documented["Milter"]!["Pipeline"]), documented.ToJsonString());
        Assert.Contains(".AddExternal(services, \"opendkim\")", await File.ReadAllTextAsync(Path.Combine(Repository.Root, "samples", "Pipeline", "Inbound.cs")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_OpenDKIM_the_sample_delivers_authenticated_mail_unsigned()
    {
        var (host, port) = await HostSampleAsync($"inet:127.0.0.1:{FreePorts.One()}");
        using var owner = host;

        var outcome = await SendAuthenticatedAsync(port);
        await host.StopAsync();

        Assert.True(outcome.Accepted, outcome.Verdict.ToString());
        Assert.Null(outcome.Delivered!.Message.Header("DKIM-Signature"));
        Assert.StartsWith("new-rule: continue", outcome.Delivered.Message.Header("X-DryRun-NewRule")?.Trim(), StringComparison.Ordinal);
    }
}
