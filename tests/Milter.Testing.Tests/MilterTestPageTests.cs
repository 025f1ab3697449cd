using System.Text;
using AttachmentGuard;
using Microsoft.Extensions.DependencyInjection;
using Milter.Cli;
using Milter.IntegrationTests.Support;
using Milter.Server;
using Milter.Testing.Tests.Support;
using MimeKit;

namespace Milter.Testing.Tests;

/// <summary>
/// The milter-test lines of docs/milter-test.md run as written (from the repository root, against the samples they start) and print
/// what the page shows; the example messages in samples/messages are what their names say.
/// </summary>
public sealed class MilterTestPageTests : IAsyncLifetime
{
    private static readonly string Messages = Path.Combine(Repository.Root, "samples", "messages");
    private ServiceProvider? _services;
    private MilterServer? _stamper;
    private MilterServer? _guard;

    public async ValueTask InitializeAsync()
    {
        var settings = new GuardSettings();
        _services = new ServiceCollection().AddLogging().AddSingleton(settings).AddSingleton(settings.CreatePolicy()).BuildServiceProvider();
        _stamper = new MilterServer(MilterHandlerFactory.For<HeaderStamper.HeaderStamper>(), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        _guard = new MilterServer(MilterHandlerFactory.For<Guard>(_services), new MilterServerOptions { Listen = { "inet:0@127.0.0.1" } });
        await _stamper.StartAsync();
        await _guard.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stamper!.DisposeAsync();
        await _guard!.DisposeAsync();
        await _services!.DisposeAsync();
    }

    /// <summary>The command lines of docs/milter-test.md that start with milter-test, each with the output lines it shows after it.</summary>
    private static List<(string Line, List<string> Shown)> ReadmeCommands()
    {
        var commands = new List<(string, List<string>)>();
        var output = false;
        foreach (var line in File.ReadAllLines(Path.Combine(Repository.Root, "docs", "milter-test.md")))
        {
            if (line.StartsWith("milter-test ", StringComparison.Ordinal))
                commands.Add((line, []));
            output = line.StartsWith("milter-test ", StringComparison.Ordinal) || (output && line.StartsWith("#   ", StringComparison.Ordinal));
            if (output && line.StartsWith('#') && !line.Contains("...", StringComparison.Ordinal))
                commands[^1].Item2.Add(line[4..]);
        }

        return commands;
    }

    /// <summary>The page's addresses are the samples' defaults; here they are the in-process samples' free ports.</summary>
    private string[] Arguments(string line)
    {
        var command = line.Split(" #")[0];
        return [.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Where(word => !word.StartsWith('>'))
            .Select(word => word switch
            {
                "inet:8890@127.0.0.1" => _stamper!.Addresses[0].ToString(),
                "inet:8893@127.0.0.1" => _guard!.Addresses[0].ToString(),
                _ when word.StartsWith("samples/", StringComparison.Ordinal) => Path.Combine(Repository.Root, word),
                _ => word,
            })];
    }

    [Fact]
    public async Task Every_send_and_probe_line_runs_as_written_and_prints_what_the_page_shows()
    {
        var commands = ReadmeCommands().Where(c => !c.Line.StartsWith("milter-test record ", StringComparison.Ordinal)).ToList();
        Assert.True(commands.Count >= 6, $"{commands.Count} milter-test lines in docs/milter-test.md");

        foreach (var (line, shown) in commands)
        {
            var run = await MilterTestTool.RunAsync(Arguments(line));

            Assert.True(run.Exit == ExitCodes.Accepted, $"{line}\n{run.Output}{run.Error}");
            var output = run.Output.Replace(Repository.Root + "/", string.Empty, StringComparison.Ordinal).Split('\n');
            foreach (var text in shown)
                Assert.True(output.Contains(text), $"{line}: the page shows \"{text}\", the output is\n{run.Output}");
        }
    }

    [Fact]
    public async Task The_exe_attachment_is_defanged_by_the_attachment_guard_sample()
    {
        var run = await MilterTestTool.RunAsync("send", _guard!.Addresses[0].ToString(), Path.Combine(Messages, "exe-attachment.eml"));

        Assert.Equal(ExitCodes.Accepted, run.Exit);
        Assert.Matches(@"\naction: replace body \(\d+ bytes\)\n", run.Output);
        Assert.Contains("\naction: add header X-Attachment-Guard: removed 1 attachment(s), cleaned 0 HTML part(s)\n", run.Output, StringComparison.Ordinal);
        Assert.Contains("\n-Content-Disposition: attachment; filename=\"invoice.pdf.exe\"\n", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_messages_are_what_their_names_say()
    {
        static async Task<MimeMessage> LoadAsync(string name) => await MimeMessage.LoadAsync(Path.Combine(Messages, name));

        var plain = await LoadAsync("plain.eml");
        Assert.IsType<TextPart>(plain.Body);
        Assert.Empty(plain.Attachments);

        var multipart = await LoadAsync("multipart.eml");
        Assert.IsType<Multipart>(multipart.Body);
        Assert.Equal("figures.csv", Assert.Single(multipart.Attachments.OfType<MimePart>()).FileName);

        var exe = await LoadAsync("exe-attachment.eml");
        var executable = Assert.Single(exe.Attachments.OfType<MimePart>());
        Assert.Equal("invoice.pdf.exe", executable.FileName);
        using var content = new MemoryStream();
        await executable.Content!.DecodeToAsync(content);
        Assert.Equal("MZ"u8.ToArray(), content.ToArray()[..2]);

        // Raw 8-bit bytes in the header, not encoded words: UTF-8, and one Latin-1 byte that is not UTF-8.
        var raw = await File.ReadAllBytesAsync(Path.Combine(Messages, "8bit-headers.eml"));
        var header = raw.AsSpan(0, raw.AsSpan().IndexOf("\r\n\r\n"u8));
        Assert.Contains("Subject: Grüße aus Köln\r\n", Encoding.UTF8.GetString(header), StringComparison.Ordinal);
        Assert.True(header.IndexOf((byte[])[.. "X-Latin1: caf"u8, 0xE9, (byte)' ']) > 0);
        foreach (var name in new[] { "plain.eml", "multipart.eml", "exe-attachment.eml", "8bit-headers.eml" })
            Assert.DoesNotContain("\n", Encoding.Latin1.GetString(await File.ReadAllBytesAsync(Path.Combine(Messages, name))).Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
