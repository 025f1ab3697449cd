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
    private readonly Option<double> _wait = Symbols.Seconds("--wait",
        "wait up to this long for the milter to listen, trying again every 0.2 s (for a milter just started in the background)", 0, zeroAllowed: true);

    private ProbeCommand()
    {
    }

    public static Command Create()
    {
        var probe = new ProbeCommand();
        var command = new Command("probe",
            "Connect to the milter at ADDRESS, offer everything protocol version 6 defines, print its answer (version, actions, "
            + "protocol flags, macro requests) and quit. Exit code 0 when it answered as a milter, 1 with the reason otherwise: "
            + "a health check for systemd, containers or HAProxy. With --wait, waits for a milter that is still starting.")
        {
            probe._address,
            probe._timeout,
            probe._wait,
        };
        command.Action = probe;
        return command;
    }

    protected override async Task<int> RunAsync(ParseResult parseResult, TextWriter output, CancellationToken cancellationToken)
    {
        var address = parseResult.GetRequiredValue(_address);
        var timeout = TimeSpan.FromSeconds(parseResult.GetRequiredValue(_timeout));
        var started = Stopwatch.GetTimestamp();
        var waitUntil = started + (long)(Stopwatch.Frequency * parseResult.GetRequiredValue(_wait));
        await using var client = await ConnectAsync(address, timeout, waitUntil, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Connects, trying again while nothing listens and <paramref name="waitUntil"/> (a timestamp) is ahead.</summary>
    private static async Task<MilterClient> ConnectAsync(MilterAddress address, TimeSpan timeout, long waitUntil, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await Connecting.ConnectAsync(address, timeout,
                    token => MilterClient.ConnectAsync(address.Text, MtaProfile.Full, timeout, token), cancellationToken).ConfigureAwait(false);
            }
            catch (CommandException e) when (e.InnerException is System.Net.Sockets.SocketException && Stopwatch.GetTimestamp() < waitUntil)
            {
                // Nothing listens yet: a milter started in the background is still building or starting.
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Flags(uint value, string names) =>
        string.Create(CultureInfo.InvariantCulture, $"0x{value:X} ({(value == 0 ? "none" : names)})");
}
