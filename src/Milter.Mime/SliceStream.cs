namespace Milter.Mime;

/// <summary>
/// A read-only window on part of a seekable stream, with its own position, so several readers (the MIME parser,
/// a body comparison) can share one temporary file. Disposing it leaves the underlying stream open, and disposes
/// the owner it was given, if any.
/// </summary>
internal sealed class SliceStream(Stream inner, long start, long length, IDisposable? owner = null) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = length - _position;
        if (left <= 0)
            return 0;
        if (buffer.Length > left)
            buffer = buffer[..(int)left];
        inner.Position = start + _position;
        var read = inner.Read(buffer);
        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        // As MemoryStream and FileStream do: readers like ZipArchive expect an IOException here.
        _position = target >= 0 ? target : throw new IOException("An attempt was made to move the position before the beginning of the stream.");
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            owner?.Dispose();
        base.Dispose(disposing);
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
