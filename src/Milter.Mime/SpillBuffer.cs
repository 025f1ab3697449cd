namespace Milter.Mime;

/// <summary>
/// Append-only bytes kept in memory up to a threshold and in an unnamed temporary file beyond it, so a large
/// message costs disk, not memory. On Unix the file is unlinked as soon as it is created: it disappears with
/// the handle on every path, a crash or a kill included. Elsewhere it is deleted on close.
/// </summary>
internal sealed class SpillBuffer : IDisposable
{
    private readonly long _memoryLimit;
    private readonly string _directory;
    private MemoryStream? _memory = new();
    private FileStream? _file;

    public SpillBuffer(long memoryLimit, string? directory)
    {
        _memoryLimit = memoryLimit;
        _directory = directory ?? Path.GetTempPath();
    }

    /// <summary>The number of bytes written.</summary>
    public long Length => _file?.Length ?? _memory!.Length;

    /// <summary>Whether the bytes went to a temporary file.</summary>
    public bool IsSpilled => _file is not null;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_memory is null && _file is null, this);
        if (_file is null && _memory!.Length + bytes.Length > _memoryLimit)
            Spill();
        if (_file is not null)
        {
            _file.Seek(0, SeekOrigin.End);
            _file.Write(bytes);
        }
        else
        {
            _memory!.Write(bytes);
        }
    }

    /// <summary>
    /// A read-only, seekable view of bytes [<paramref name="start"/>, end). It shares the storage: write nothing
    /// more while it is in use, and dispose the buffer only after it, or pass the buffer as <paramref name="owner"/>
    /// to have the stream dispose it.
    /// </summary>
    public Stream OpenRead(long start = 0, IDisposable? owner = null)
    {
        ObjectDisposedException.ThrowIf(_memory is null && _file is null, this);
        if (_file is not null)
            _file.Flush();
        var length = Length - start;
        return _file is not null
            ? new SliceStream(_file, start, length, owner)
            : new SliceStream(new MemoryStream(_memory!.GetBuffer(), 0, (int)_memory.Length, writable: false), start, length, owner);
    }

    /// <summary>A write-only stream that appends to the buffer, for writers that want a <see cref="Stream"/>.</summary>
    public Stream OpenWrite() => new Appender(this);

    /// <summary>Forgets everything written, and removes the temporary file.</summary>
    public void Clear()
    {
        _file?.Dispose();
        _file = null;
        _memory ??= new MemoryStream();
        _memory.SetLength(0);
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        _memory = null;
    }

    private void Spill()
    {
        var path = Path.Combine(_directory, $"milter-{Guid.NewGuid():N}.eml");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var file = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
            File.Delete(path);
        _memory!.Position = 0;
        _memory.CopyTo(file);
        _memory = null;
        _file = file;
    }

    private sealed class Appender(SpillBuffer buffer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => buffer.Length;

        public override long Position
        {
            get => buffer.Length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] bytes, int offset, int count) => buffer.Write(bytes.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> bytes) => buffer.Write(bytes);

        public override void Flush()
        {
        }

        public override int Read(byte[] bytes, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
