using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Milter.Cli;

/// <summary>The milter-test command line: send (also without the word), probe and record, with help, --version and tab completion.</summary>
internal static class MilterTestCommandLine
{
    /// <summary>The tool's informational version, for --version and for the notes of a recording.</summary>
    public static string Version { get; } =
        typeof(MilterTestCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static RootCommand Create()
    {
        var root = new RootCommand(
            "Talk to a milter the way Postfix or Sendmail does: send it a message, probe it, or record what an MTA and a milter say. "
            + "'milter-test ADDRESS MESSAGE.eml [options]' is short for 'milter-test send ADDRESS MESSAGE.eml [options]'.")
        {
            HelpName = "milter-test",
        };
        foreach (var version in root.Options.OfType<VersionOption>())
            version.Action = new PrintVersion();
        root.Subcommands.Add(SendCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(RecordCommand.Create());
        SendCommand.AddShortForm(root);
        return root;
    }

    /// <summary>Prints this tool's version; the default prints the entry assembly's, which is the test host's in tests.</summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return ExitCodes.Accepted;
        }
    }
}
