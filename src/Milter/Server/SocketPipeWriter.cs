using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Milter.Server;

/// <summary>
/// The session's replies straight onto the socket: written into one buffer rented from the shared pool, sent at each
/// flush, and the buffer given back once sent, so an idle connection holds no send buffer (and no stream or pipe
/// machinery around the socket). The socket must be non-blocking. Used by one session, one write or flush at a time.
/// </summary>
internal sealed class SocketPipeWriter(Socket socket) : PipeWriter
{
    private const int MinimumBufferSize = 512;

    private byte[]? _buffer;
    private int _written;
    private bool _completed;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_buffer is null || _written + bytes > _buffer.Length)
            throw new InvalidOperationException("Advanced past the memory handed out.");
        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_buffer is not { } buffer)
            return default;

        // A reply nearly always fits the socket's send buffer: sent here, without the socket's asynchronous send, whose
        // state the socket would keep for as long as the connection lasts. (The socket is non-blocking.)
        int sent;
        try
        {
            sent = socket.Send(buffer, 0, _written, SocketFlags.None, out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock))
                throw Broken(new SocketException((int)error));
        }
        catch
        {
            Release();
            throw;
        }

        if (sent == _written)
        {
            Release();
            return default;
        }

        return SendRestAsync(buffer, sent, cancellationToken);
    }

    private async ValueTask<FlushResult> SendRestAsync(byte[] buffer, int sent, CancellationToken cancellationToken)
    {
        try
        {
            while (sent < _written)
                sent += await socket.SendAsync(buffer.AsMemory(sent, _written - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw Broken(e);
        }
        finally
        {
            Release();
        }

        return default;
    }

    /// <summary>A socket error as NetworkStream reports it: the session treats an IOException as the MTA gone.</summary>
    internal static IOException Broken(SocketException e) =>
        new(e.SocketErrorCode == SocketError.ConnectionReset ? "the MTA reset the connection" : e.Message, e);

    /// <summary>Not supported: the session never cancels its own flush but through the flush's token.</summary>
    public override void CancelPendingFlush() => throw new NotSupportedException();

    /// <summary>Drops what was not flushed: the session flushes what it means to send before it completes.</summary>
    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        Release();
    }

    private byte[] Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var needed = _written + Math.Max(sizeHint, 1);
        if (_buffer is { } buffer && buffer.Length >= needed)
            return buffer;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumBufferSize, (_buffer?.Length ?? 0) * 2)));
        if (_buffer is { } old)
        {
            old.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(old);
        }

        return _buffer = larger;
    }

    private void Release()
    {
        if (_buffer is { } buffer)
            ArrayPool<byte>.Shared.Return(buffer);
        (_buffer, _written) = (null, 0);
    }
}
