using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Milter.Analyzers.Tests.Support;
using Milter.Client;
using Milter.Server;
using Milter.Tests.Support;

namespace Milter.Analyzers.Tests;

/// <summary>
/// The promise at run time: every realistic corpus file that builds clean is compiled with the generator, loaded, run
/// behind a real MilterServer and sent a message by MilterClient with Postfix's offer. Each filter must give the
/// verdict its "// runs:" line says, with each change it lists arriving, and nothing may be logged at Warning (a
/// change the negotiation left out is logged and tempfails the message).
/// </summary>
public partial class CorpusRuntimeTests
{
    public static TheoryData<string> Files => CorpusTests.Files;

    [Theory]
    [MemberData(nameof(Files))]
    public async Task A_clean_corpus_file_runs_behind_a_real_server_and_every_change_arrives(string file)
    {
        var (source, result) = await CorpusTests.BuildCleanAsync(file);
        var expectations = Expectation().Matches(source).ToList();
        Assert.NotEmpty(expectations);

        var context = new AssemblyLoadContext(file, isCollectible: true);
        try
        {
            using var image = new MemoryStream();
            var emitted = result.Output.Emit(image, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            image.Position = 0;
            var user = context.LoadFromStream(image);
            foreach (Match expected in expectations)
                await RunAsync(user, expected.Groups["class"].Value, expected.Groups["verdict"].Value, expected.Groups["changes"].Value);
        }
        finally
        {
            context.Unload();
        }
    }

    private static async Task RunAsync(Assembly user, string className, string verdict, string changes)
    {
        var type = user.GetTypes().Single(t => t.Name == className);
        var log = new ListLogger();
        var services = new CorpusServices(user, log);
        var description = (MilterDescription)type.GetProperty("Description", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var create = type.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, [typeof(IServiceProvider)])!;
        var factory = MilterHandlerFactory.Create(description, () => (IMilterHandler)create.Invoke(null, [services])!);

        var options = new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } };
        await using var server = new MilterServer(factory, options, log);
        await server.StartAsync(TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)server.Addresses[0].EndPoint).Port;
        MessageOutcome outcome;
        await using (var client = await MilterClient.ConnectAsync($"inet:{port}@127.0.0.1", MtaProfile.Postfix, cancellationToken: TestContext.Current.CancellationToken))
        {
            outcome = await client.SendMessageAsync(Envelope, Message(), TestContext.Current.CancellationToken);
        }

        await server.StopAsync(TestContext.Current.CancellationToken);
        var arrived = outcome.Actions.Select(a => a.GetType().Name.Replace("Response", string.Empty, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        var expected = changes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(c => c != "none").Order(StringComparer.Ordinal).ToList();
        var warnings = log.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message).ToList();
        var report = $"{className}: {outcome.Verdict} at {outcome.DecidedAt}, changes [{string.Join(", ", arrived)}], warnings: {string.Join(" | ", warnings)}";
        Assert.True(warnings.Count == 0, report);
        Assert.True(outcome.Verdict.Code.ToString() == verdict && outcome.DecidedAt == MilterSteps.EndOfMessage, report);
        Assert.True(expected.SequenceEqual(arrived), report);
    }

    /// <summary>Postfix-style: a null sender (bounces are rewritten), an alias and a plain recipient.</summary>
    private static readonly Envelope Envelope = new(string.Empty, ["alias@example.org", "user@example.org"]);

    private static MailMessage Message() => new(
        [new("From", " sender@example.net"), new("To", " alias@example.org"), new("Subject", " Cheap pills"), new("Content-Type", " text/plain; charset=utf-8")],
        "Buy viagra now.\r\n"u8.ToArray());

    [GeneratedRegex(@"^// runs: (?<class>\w+) = (?<verdict>\w+); (?<changes>[\w, ]+)$", RegexOptions.Multiline)]
    private static partial Regex Expectation();
}
