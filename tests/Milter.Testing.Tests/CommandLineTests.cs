using System.Reflection;
using Milter.Cli;
using Milter.Testing.Tests.Support;

namespace Milter.Testing.Tests;

/// <summary>milter-test's command line: help for the tool and each command, the version, completion, and parse errors in words.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_lists_the_commands_and_the_short_form(string option)
    {
        var run = await MilterTestTool.RunAsync(option);

        Assert.Equal(0, run.Exit);
        Assert.Contains("milter-test [command] [options]", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"\n  send <ADDRESS> <MESSAGE\.eml> +Send MESSAGE\.eml", run.Output);
        Assert.Matches(@"\n  probe <ADDRESS> +Connect to the milter", run.Output);
        Assert.Matches(@"\n  record +Sit between a real MTA and a milter", run.Output);
        Assert.Contains("'milter-test ADDRESS MESSAGE.eml [options]' is short for 'milter-test send ADDRESS MESSAGE.eml [options]'", run.Output, StringComparison.Ordinal);
        Assert.Contains("--version", run.Output, StringComparison.Ordinal);
        // The short form's arguments and options are hidden: the root lists commands, each command its options.
        Assert.DoesNotContain("--rcpt", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("send", "milter-test send <ADDRESS> <MESSAGE.eml> [options]", new[] { "--from <ADDRESS>", "--rcpt <ADDRESS>", "--client-ip <IP>", "--client-name <NAME>", "--helo <NAME>", "--macro <[S:]NAME=VALUE>", "--mta <full|postfix|sendmail>", "--timeout <SECONDS>", "--count <N>", "--concurrency <C>", "Exit code: 0 accepted, 2 rejected, 3 tempfailed, 4 discarded, 1 error." })]
    [InlineData("probe", "milter-test probe <ADDRESS> [options]", new[] { "--timeout <SECONDS>", "health check" })]
    [InlineData("record", "milter-test record [options]", new[] { "--listen <ADDRESS> (REQUIRED)", "--milter <ADDRESS> (REQUIRED)", "-o, --output <FILE> (REQUIRED)", "--timeout <SECONDS>" })]
    public async Task Each_command_has_its_own_help(string command, string usage, string[] shown)
    {
        foreach (var option in new[] { "--help", "-h" })
        {
            var run = await MilterTestTool.RunAsync(command, option);

            Assert.Equal(0, run.Exit);
            Assert.Contains(usage, run.Output, StringComparison.Ordinal);
            foreach (var text in shown)
                Assert.Contains(text, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_prints_the_informational_version()
    {
        var run = await MilterTestTool.RunAsync("--version");

        Assert.Equal(0, run.Exit);
        var expected = typeof(MilterTestCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(expected + "\n", run.Output);
        Assert.NotEqual("unknown", expected);
    }

    [Theory]
    [InlineData("send --ti", "--timeout")]
    [InlineData("send --mta ", "sendmail")]
    [InlineData("pr", "probe")]
    [InlineData("record --mi", "--milter")]
    public async Task The_suggest_directive_completes_commands_options_and_values(string line, string completion)
    {
        // What a shell's completion function asks: the line typed so far and the cursor position.
        var run = await MilterTestTool.RunAsync($"[suggest:{line.Length}]", line);

        Assert.Equal(0, run.Exit);
        Assert.Contains(completion, run.Output.Split('\n'));
    }

    [Theory]
    [InlineData(new[] { "send", "inet:1@127.0.0.1", "m.eml", "--timeout", "abc" }, "--timeout: 'abc' is not a number of seconds")]
    [InlineData(new[] { "probe", "inet:1@127.0.0.1", "--timeout", "0" }, "--timeout: '0' is not a number of seconds")]
    [InlineData(new[] { "inet:1@127.0.0.1", "m.eml", "--count", "many" }, "--count: 'many' is not a whole number of at least 0")]
    [InlineData(new[] { "send", "inet:1@127.0.0.1", "m.eml", "--concurrency", "0" }, "--concurrency: '0' is not a whole number of at least 1")]
    [InlineData(new[] { "send", "inet:1@127.0.0.1", "m.eml", "--macro", "novalue" }, "--macro: a macro is NAME=VALUE, not 'novalue'")]
    [InlineData(new[] { "send", "inet:1@127.0.0.1", "m.eml", "--mta", "exim" }, "exim")]
    [InlineData(new[] { "send", "127.0.0.1:8890", "m.eml" }, "\"127.0.0.1:8890\" is not a milter address")]
    [InlineData(new[] { "probe", "inet:127.0.0.1:8890" }, "that is Postfix's spelling, inet:HOST:PORT; a milter listens on inet:8890@127.0.0.1")]
    [InlineData(new[] { "--bogus", "inet:1@127.0.0.1", "m.eml" }, "--bogus is not an option of this command (--help lists them)")]
    [InlineData(new[] { "probe", "unix:/tmp/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/milter.sock" }, "longer than a unix socket's address can hold")]
    [InlineData(new[] { "record", "--listen", "inet:0@127.0.0.1" }, "Option '--milter' is required.")]
    public async Task A_mistake_on_the_command_line_is_explained_and_exits_with_1(string[] args, string explanation)
    {
        var run = await MilterTestTool.RunAsync(args);

        Assert.Equal(ExitCodes.Error, run.Exit);
        Assert.Contains(explanation, run.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bare_milter_test_says_what_to_give()
    {
        var run = await MilterTestTool.RunAsync();

        Assert.Equal(ExitCodes.Error, run.Exit);
        Assert.Equal("milter-test: give a command (send, probe or record), or ADDRESS MESSAGE.eml to send a message; --help tells more\n", run.Error.Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
