using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Milter.Client;
using Milter.Server;

namespace Milter.Cli;

/// <summary>milter-test probe: negotiate with a milter, print what it asks for, and quit; a health check that speaks the protocol.</summary>
internal sealed class ProbeCommand : MilterTestAction
{
    private readonly Argument<MilterAddress> _address = Symbols.Address("the milter to probe");
    private readonly Option<double> _timeout = Symbols.Timeout("how long to wait for the connection and for the answer");

    private ProbeCommand()
    {
    }

    public static Command Create()
    {
        var probe = new ProbeCommand();
        var command = new Command("probe",
            "Connect to the milter at ADDRESS, offer everything protocol version 6 defines, print its answer (version, actions, "
            + "protocol flags, macro requests) and quit. Exit code 0 when it answered as a milter, 1 with the reason otherwise: "
            + "a health check for systemd, containers or HAProxy.")
        {
            probe._address,
            probe._timeout,
        };
        command.Action = probe;
        return command;
    }

    protected override async Task<int> RunAsync(ParseResult parseResult, TextWriter output, CancellationToken cancellationToken)
    {
        var address = parseResult.GetRequiredValue(_address);
        var timeout = TimeSpan.FromSeconds(parseResult.GetRequiredValue(_timeout));
        var started = Stopwatch.GetTimestamp();
        await using var client = await Connecting.ConnectAsync(address, timeout,
            token => MilterClient.ConnectAsync(address.Text, MtaProfile.Full, timeout, token), cancellationToken).ConfigureAwait(false);
        var reply = await client.NegotiateAsync(cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        await client.QuitAsync(cancellationToken).ConfigureAwait(false);

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{address}: a milter, protocol version {reply.Version}, answered in {elapsed.TotalMilliseconds:0.#} ms")).ConfigureAwait(false);
        await output.WriteLineAsync($"actions:  {Flags((uint)reply.Actions, reply.Actions.ToString())}").ConfigureAwait(false);
        await output.WriteLineAsync($"protocol: {Flags((uint)reply.Protocol, reply.Protocol.ToString())}").ConfigureAwait(false);
        if (reply.MacroRequests.Count == 0)
            await output.WriteLineAsync("macros:   none requested (the MTA's defaults)").ConfigureAwait(false);
        foreach (var request in reply.MacroRequests)
            await output.WriteLineAsync($"macros:   at {request.Stage}: {request.ToWireText()}").ConfigureAwait(false);
        return ExitCodes.Accepted;
    }

    private static string Flags(uint value, string names) =>
        string.Create(CultureInfo.InvariantCulture, $"0x{value:X} ({(value == 0 ? "none" : names)})");
}
