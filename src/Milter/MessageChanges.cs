using System.Buffers;
using System.IO.Pipelines;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The changes one end-of-message handler made to a message, recorded in call order and written by the session after
/// the handler returns, with its verdict: the header and envelope packets as they go on the wire, their codes (for logs
/// and metrics), the replacement body (bytes, or a stream read only while it is written), and the header list that turns
/// header positions into the MTA's. Shared by all sessions (<see cref="Spares{T}"/>) and cleared for each message, so a
/// message's changes cost no new objects and an idle connection holds none. The writers validate first and commit whole
/// packets only, so a refused change leaves nothing behind. A pipeline forks it (<see cref="Fork"/>) to let a dry-run
/// part record what it would change, then reads and drops the fork.
/// </summary>
internal sealed class MessageChanges
{
    private const int FlushEvery = 1024 * 1024;

    private HeaderEditTranslator? _headers;
    private ReadOnlyMemory<byte>? _body;
    private Stream? _bodyStream;
    private bool _leaveBodyOpen;
    private bool _headersInUse;

    /// <summary>The header and envelope change packets, in call order, ready for the wire.</summary>
    public ArrayBufferWriter<byte> Packets { get; } = new(256);

    /// <summary>The changes made, in call order (a body replaced twice counts once, where it was first replaced).</summary>
    public List<MilterResponseCode> Codes { get; } = [];

    /// <summary>Whether the body is replaced.</summary>
    public bool ReplacesBody => _body is not null || _bodyStream is not null;

    /// <summary>The header list as the changes so far left it; null while no header was changed.</summary>
    public HeaderEditTranslator? ChangedHeaders => _headersInUse ? _headers : null;

    /// <summary>The replacement body recorded so far: its bytes, or its stream (not yet read); both null when the body is kept.</summary>
    public (ReadOnlyMemory<byte>? Bytes, Stream? Stream) Body => (_body, _bodyStream);

    /// <summary>The header list for this message, made on the first header change.</summary>
    public HeaderEditTranslator HeadersFor(MilterContext context)
    {
        if (_headers is null)
            _headers = new HeaderEditTranslator(context.Mta, context.HeaderNames);
        else if (!_headersInUse)
            _headers.Reset(context.Mta, context.HeaderNames);
        _headersInUse = true;
        return _headers;
    }

    /// <summary>
    /// A separate record that starts where this one is: header positions count the headers as this message's changes
    /// so far left them, and nothing recorded in the fork reaches this one. Give it back with <see cref="Return"/>.
    /// </summary>
    public MessageChanges Fork(MilterContext context)
    {
        var fork = Spares<MessageChanges>.Rent();
        fork.Clear();
        if (_headersInUse)
        {
            fork._headers ??= new HeaderEditTranslator(context.Mta, context.HeaderNames);
            fork._headers.CopyFrom(_headers!);
            fork._headersInUse = true;
        }

        return fork;
    }

    /// <summary>
    /// Takes a fork's changes as if made here, after this record's own: its packets and codes in order, its body (the
    /// stream, unread, changes hands) and its header list. The fork is left empty.
    /// </summary>
    public void Adopt(MessageChanges fork)
    {
        Packets.Write(fork.Packets.WrittenSpan);
        foreach (var code in fork.Codes)
        {
            if (code != MilterResponseCode.ReplaceBody || !ReplacesBody)
                Codes.Add(code);
        }

        if (fork.ReplacesBody)
        {
            DisposeBody();
            (_body, _bodyStream, _leaveBodyOpen) = (fork._body, fork._bodyStream, fork._leaveBodyOpen);
        }

        if (fork._headersInUse)
        {
            (_headers, fork._headers) = (fork._headers, _headers);
            _headersInUse = true;
        }

        fork.Clear();
    }

    /// <summary>Records the replacement body; a second replacement replaces the first.</summary>
    public void SetBody(ReadOnlyMemory<byte>? bytes, Stream? stream, bool leaveOpen)
    {
        if (!ReplacesBody)
            Codes.Add(MilterResponseCode.ReplaceBody);
        DisposeBody();
        (_body, _bodyStream, _leaveBodyOpen) = (bytes, stream, leaveOpen);
    }

    /// <summary>
    /// Writes the recorded changes: the header and envelope changes in call order, then the body, flushing every
    /// megabyte of a streamed body (through <paramref name="flush"/>) so memory stays bounded. Throws
    /// <see cref="IOException"/> when a streamed body cannot be read to the end.
    /// </summary>
    public async ValueTask WriteAsync(PipeWriter output, IMessageOutput flush, CancellationToken cancellationToken)
    {
        output.Write(Packets.WrittenSpan);
        if (_body is { } body)
            MilterResponseWriter.WriteReplaceBody(output, body.Span);
        if (_bodyStream is not { } stream)
            return;
        var chunk = ArrayPool<byte>.Shared.Rent(MilterResponseWriter.BodyChunkLength);
        try
        {
            var unflushed = 0;
            int read;
            while ((read = await stream.ReadAtLeastAsync(chunk.AsMemory(0, MilterResponseWriter.BodyChunkLength), MilterResponseWriter.BodyChunkLength, false, cancellationToken).ConfigureAwait(false)) > 0)
            {
                MilterResponseWriter.WriteReplaceBody(output, chunk.AsSpan(0, read));
                if ((unflushed += read) >= FlushEvery)
                {
                    await flush.FlushAsync().ConfigureAwait(false);
                    unflushed = 0;
                }
            }
        }
        catch (Exception e) when (e is not (IOException or OperationCanceledException))
        {
            throw new IOException($"The replacement body could not be read: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            DisposeBody();
        }
    }

    /// <summary>Lets go of a streamed body that will not be sent.</summary>
    public void DisposeBody()
    {
        if (_bodyStream is { } stream && !_leaveBodyOpen)
            stream.Dispose();
        _bodyStream = null;
    }

    /// <summary>Back to the shared spares, unless a message made them unusually large.</summary>
    public void Return()
    {
        DisposeBody();
        _body = null;
        if (Packets.Capacity <= 64 * 1024)
            Spares<MessageChanges>.Return(this);
    }

    public void Clear()
    {
        Packets.ResetWrittenCount();
        Codes.Clear();
        _body = null;
        _bodyStream = null;
        _headersInUse = false;
    }
}
