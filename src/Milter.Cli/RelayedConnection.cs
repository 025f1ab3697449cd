using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Milter.Client;
using Milter.Server;

namespace Milter.Cli;

/// <summary>
/// One MTA connection relayed to the milter: bytes forwarded unchanged both ways, each packet written down in capture
/// format before the bytes that complete it are forwarded, so the lines are in the order the relay saw them.
/// </summary>
internal sealed class RelayedConnection
{
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private int _packets;

    private RelayedConnection()
    {
    }

    /// <summary>Relays until both sides have closed or <paramref name="stop"/> fires, then hands the lines to <paramref name="file"/>; never throws.</summary>
    public static async Task RunAsync(int number, Socket mta, MilterAddress milter, TimeSpan timeout, CaptureFile file, TextWriter log, CancellationToken stop)
    {
        var relay = new RelayedConnection();
        var label = string.Create(CultureInfo.InvariantCulture,
            $"opened {DateTime.UtcNow:HH:mm:ss.fff} UTC, MTA {(mta.RemoteEndPoint is IPEndPoint ip ? ip.ToString() : "on the socket file")}");
        try
        {
            using (mta)
            {
                if (mta.AddressFamily != AddressFamily.Unix)
                    mta.NoDelay = true; // forward each packet at once, as the MTA and the milter sent it
                using var toMilter = await Connecting.ConnectAsync(milter, timeout, stop).ConfigureAwait(false);
                using var closing = CancellationTokenSource.CreateLinkedTokenSource(stop);
                await Task.WhenAll(
                    relay.PumpAsync(mta, toMilter, fromMta: true, closing, stop),
                    relay.PumpAsync(toMilter, mta, fromMta: false, closing, stop)).ConfigureAwait(false);
            }

            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"connection {number}: {relay._packets} packets")).ConfigureAwait(false);
        }
        catch (CommandException e)
        {
            relay.Note($"recorder: {e.Message}; the MTA's connection was closed");
            await log.WriteLineAsync($"connection {number}: {e.Message}").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            relay.Note("recorder: stopped before the milter accepted the connection");
        }
        catch (Exception e)
        {
            // One broken connection must not end the recording of the others.
            relay.Note($"recorder: {e.GetType().Name}: {e.Message}");
            await log.WriteLineAsync($"connection {number}: {e.Message}").ConfigureAwait(false);
        }
        finally
        {
            file.Add(number, label, relay._lines);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromMta, CancellationTokenSource closing, CancellationToken stop)
    {
        var direction = fromMta ? "mta -> milter" : "milter -> mta";
        var splitter = new PacketSplitter();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    var unfinished = splitter.Pending > 0 && !splitter.Broken ? $", {splitter.Pending} bytes into a packet" : string.Empty;
                    Note($"{direction}: EOF ({(fromMta ? "the MTA" : "the milter")} closed its side{unfinished})");
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                Record(splitter, buffer.AsSpan(0, read), fromMta, direction);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, closing.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Note($"{direction}: the recording stopped while the connection was open");
        }
        catch (OperationCanceledException)
        {
            // The other direction failed, noted why, and closed the connection.
        }
        catch (SocketException e)
        {
            Note($"{direction}: {e.Message}");
            await closing.CancelAsync().ConfigureAwait(false);
        }
    }

    private void Record(PacketSplitter splitter, ReadOnlySpan<byte> bytes, bool fromMta, string direction)
    {
        try
        {
            foreach (var packet in splitter.Add(bytes))
            {
                lock (_gate)
                {
                    _lines.Add(MilterCapture.PacketLine(fromMta, packet));
                    _packets++;
                }
            }
        }
        catch (InvalidDataException e)
        {
            Note($"{direction}: {e.Message}; the rest of this direction is forwarded, not recorded");
        }
    }

    private void Note(string text)
    {
        lock (_gate)
            _lines.Add($"# {text}");
    }
}
