using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Milter.Server;

namespace Milter.Cli;

/// <summary>
/// milter-test record: a relay between a real MTA and a milter that writes their conversation in the capture format
/// (<see cref="Milter.Client.MilterCapture"/>) until SIGINT or SIGTERM.
/// </summary>
internal sealed class RecordCommand : MilterTestAction
{
    private readonly Option<MilterAddress> _listen = Symbols.AddressOption("--listen", "where the MTA connects: put this in smtpd_milters or INPUT_MAIL_FILTER");
    private readonly Option<MilterAddress> _milter = Symbols.AddressOption("--milter", "the milter the MTA's connections are relayed to");
    private readonly Option<string> _output = new("--output", "-o") { Description = "the capture file to write (replaced if it exists)", HelpName = "FILE", Required = true };
    private readonly Option<double> _timeout = Symbols.Timeout("how long to wait for the milter to accept each connection");

    private RecordCommand()
    {
    }

    public static Command Create()
    {
        var record = new RecordCommand();
        var command = new Command("record",
            "Sit between a real MTA and a milter: the MTA connects to --listen, each of its connections is relayed to --milter "
            + "with the bytes unchanged both ways, and the conversation is written to FILE in the capture format that "
            + "Milter.Client.MilterCapture reads. Runs until Ctrl+C or SIGTERM.")
        {
            record._listen,
            record._milter,
            record._output,
            record._timeout,
        };
        command.Action = record;
        return command;
    }

    protected override async Task<int> RunAsync(ParseResult parseResult, TextWriter output, CancellationToken cancellationToken)
    {
        var milter = parseResult.GetRequiredValue(_milter);
        var path = parseResult.GetRequiredValue(_output);
        var timeout = TimeSpan.FromSeconds(parseResult.GetRequiredValue(_timeout));
        var log = TextWriter.Synchronized(output);
        using var listener = Listen(parseResult.GetRequiredValue(_listen));
        var listening = listener.AddressFamily == AddressFamily.Unix ? parseResult.GetRequiredValue(_listen) : MilterAddress.FromEndPoint(listener.LocalEndPoint!);
        using var file = CaptureFile.Create(path, Notes(listening, milter));
        await log.WriteLineAsync($"recording: the MTA connects to {listening}, relayed to the milter at {milter}; writing {path} until Ctrl+C or SIGTERM").ConfigureAwait(false);

        var connections = new List<Task>();
        var number = 0;
        try
        {
            while (true)
            {
                Socket mta;
                try
                {
                    mta = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue; // an MTA that gave up before it was accepted
                }

                connections.RemoveAll(c => c.IsCompleted);
                connections.Add(RelayedConnection.RunAsync(++number, mta, milter, timeout, file, log, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // SIGINT or SIGTERM: the open connections note that they were cut, and every one is written. (Disposing
            // the listener removes its socket file.)
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"recorded {number} connection(s) into {path}")).ConfigureAwait(false);
        return ExitCodes.Accepted;
    }

    private static Socket Listen(MilterAddress address)
    {
        // Never take over a socket file: it may be the milter's own.
        if (address.UnixPath is { } path && File.Exists(path))
            throw new CommandException($"cannot listen on {address}: the file exists (remove it if nothing uses it)");
        var socket = address.UnixPath is null
            ? new Socket(address.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(address.EndPoint);
            socket.Listen();
            if (address.UnixPath is { } created && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(created, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new CommandException($"cannot listen on {address}: {e.Message}", e);
        }
    }

    private static IEnumerable<string> Notes(MilterAddress listening, MilterAddress milter) =>
    [
        $"recorded by: milter-test {MilterTestCommandLine.Version} (milter-test record)",
        string.Create(CultureInfo.InvariantCulture, $"date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, when the recording started"),
        $"mta: the MTA that connected to {listening}",
        $"milter: {milter}",
        "recorded with milter-test's relay between MTA and milter; bytes unchanged, packets in the order the relay saw them, each written down before it was forwarded.",
        "format: '> ' MTA->milter, '< ' milter->MTA, then the whole packet (4-byte length, command, payload) as hex, then '  # ' and a description (informative only).",
    ];
}
