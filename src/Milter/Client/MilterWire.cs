using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Milter.Protocol;

namespace Milter.Client;

/// <summary>
/// A client's connection to its milter, as frames: writing and flushing, reading the next answer within the timeout, and
/// the errors of a connection that broke, timed out or turned out not to be a milter at all, each naming the milter.
/// </summary>
internal sealed class MilterWire(IDuplexPipe pipe, IAsyncDisposable? owned, string? address, TimeSpan timeout) : IAsyncDisposable
{
    private readonly MilterFrameReader _reader = new(FrameSource.Milter);

    /// <summary>" at ADDRESS" when the client connected itself, so its errors name the milter they are about.</summary>
    private readonly string _at = address is null ? string.Empty : $" at {address}";

    /// <summary>Where commands are written; <see cref="FlushAsync"/> sends them.</summary>
    public PipeWriter Output => pipe.Output;

    /// <summary>A pipe over a connected stream.</summary>
    public static IDuplexPipe Over(Stream stream) => new StreamPipe(PipeReader.Create(stream), PipeWriter.Create(stream));

    /// <summary>Reads the next answer; <paramref name="first"/> for the answer to OPTNEG, where bytes that are not a frame mean the peer is no milter.</summary>
    public async Task<MilterResponse> ReadAsync(string waitingFor, bool first, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await pipe.Input.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MilterClientException($"The milter{_at} did not answer {waitingFor} within {timeout.TotalSeconds:0.#} s.");
            }
            catch (IOException e)
            {
                throw new MilterClientException($"The connection to the milter{_at} failed while waiting for the answer to {waitingFor}: {e.Message}", e);
            }

            var buffer = result.Buffer;
            if (TryReadFrame(buffer, first, out var frame, out var consumed))
            {
                var response = MilterResponse.Parse(new MilterFrame(frame.Command, frame.Payload.ToArray()));
                pipe.Input.AdvanceTo(consumed);
                return response;
            }

            if (result.IsCompleted && first && !buffer.IsEmpty)
                throw NotAMilter(MilterProtocolError.MalformedPayload, buffer); // a few bytes, then it hung up
            pipe.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
                throw new MilterClientException($"The milter{_at} closed the connection while the MTA waited for its answer to {waitingFor}.");
        }
    }

    /// <summary>
    /// A no-reply step must get no answer; one already waiting would desynchronise the stream. Polls without
    /// waiting: a read that does not complete at once is cancelled.
    /// </summary>
    public async Task ThrowIfAnsweredAsync(byte command)
    {
        var read = pipe.Input.ReadAsync();
        if (!read.IsCompleted)
            pipe.Input.CancelPendingRead();
        ReadResult result;
        try
        {
            result = await read.ConfigureAwait(false);
        }
        catch (IOException)
        {
            return; // the next real read reports the broken connection
        }

        var pending = !result.Buffer.IsEmpty;
        pipe.Input.AdvanceTo(result.Buffer.Start, result.Buffer.Start);
        if (pending)
            throw new MilterClientException($"The milter answered {MilterFrame.Describe(command)}, which it negotiated as no-reply.");
    }

    /// <summary>Sends what was written.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        FlushResult result;
        try
        {
            result = await pipe.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new MilterClientException($"The milter{_at} closed the connection: {e.Message}", e);
        }

        if (result.IsCompleted)
            throw new MilterClientException($"The milter{_at} closed the connection.");
    }

    private bool TryReadFrame(in ReadOnlySequence<byte> buffer, bool first, out MilterFrame frame, out SequencePosition consumed)
    {
        try
        {
            return _reader.TryRead(buffer, out frame, out consumed);
        }
        catch (MilterProtocolException e) when (first)
        {
            // The first answer is not a frame at all: an SMTP or HTTP server, say, rather than a milter that erred.
            throw NotAMilter(e.Error, buffer);
        }
    }

    private MilterProtocolException NotAMilter(MilterProtocolError error, in ReadOnlySequence<byte> received) =>
        new(error, $"The peer{_at} does not speak the milter protocol; it sent: {Printable(received)}");

    /// <summary>The first line of what a peer sent, with bytes that are not printable ASCII escaped; "..." when there was more.</summary>
    private static string Printable(in ReadOnlySequence<byte> received)
    {
        var bytes = received.Slice(0, Math.Min(received.Length, 64)).ToArray();
        var text = new StringBuilder();
        var shown = 0;
        for (; shown < bytes.Length && bytes[shown] is not (byte)'\r' and not (byte)'\n'; shown++)
        {
            if (bytes[shown] is >= 0x20 and < 0x7F)
                text.Append((char)bytes[shown]);
            else
                text.Append(CultureInfo.InvariantCulture, $"\\x{bytes[shown]:x2}");
        }

        while (shown < bytes.Length && bytes[shown] is (byte)'\r' or (byte)'\n')
            shown++;
        return shown < received.Length ? text.Append("...").ToString() : text.ToString();
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await pipe.Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The milter is gone; what a failed write left unsent cannot be sent, and must not hide why it failed.
        }

        await pipe.Input.CompleteAsync().ConfigureAwait(false);
        if (owned is not null)
            await owned.DisposeAsync().ConfigureAwait(false);
    }

    private sealed record StreamPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
