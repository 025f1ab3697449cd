namespace Milter;

/// <summary>
/// A message body held for the pipeline parts shown it at end of message: in memory up to <see cref="MemoryLimit"/> bytes,
/// past that in a temporary file readable only by this user, deleted when the holder is reset or disposed. Read back any
/// number of times, each reader from the start, or handed over whole (<see cref="Detach"/>).
/// </summary>
internal sealed class HeldBody : IDisposable
{
    /// <summary>The bytes held in memory per message; a longer body goes to a temporary file.</summary>
    public const int MemoryLimit = 1024 * 1024;

    // Memory kept for the next message when it stayed this small, so an idle connection holds little.
    private const int KeptCapacity = 64 * 1024;

    private MemoryStream _memory = new();
    private FileStream? _file;

    /// <summary>The bytes held.</summary>
    public long Length => _file?.Length ?? _memory.Length;

    /// <summary>Whether the body went to a temporary file.</summary>
    public bool InFile => _file is not null;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_file is null && _memory.Length + bytes.Length > MemoryLimit)
        {
            _file = CreateFile();
            _memory.Position = 0;
            _memory.CopyTo(_file);
            Release();
        }

        if (_file is not null)
            _file.Write(bytes);
        else
            _memory.Write(bytes);
    }

    /// <summary>Copies a stream to the end of the held bytes, spilling to the file as <see cref="Append"/> does.</summary>
    public async ValueTask AppendAsync(Stream source, CancellationToken cancellationToken)
    {
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                Append(chunk.AsSpan(0, read));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>A reader of the held bytes from the start; the holder stays usable while it is read.</summary>
    public Stream OpenRead()
    {
        if (_file is null)
            return new MemoryStream(_memory.GetBuffer(), 0, (int)_memory.Length, writable: false);
        _file.Flush();
        return new FileStream(_file.Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
    }

    /// <summary>
    /// Hands the held bytes over as a seekable stream at the start that owns them (a file is deleted when the stream is
    /// disposed); the holder is left empty.
    /// </summary>
    public Stream Detach()
    {
        if (_file is { } file)
        {
            _file = null;
            file.Flush();
            file.Position = 0;
            return file;
        }

        var memory = new MemoryStream(_memory.GetBuffer(), 0, (int)_memory.Length, writable: false);
        Release();
        return memory;
    }

    /// <summary>Empties it for the next message: the file is deleted, memory kept only when small.</summary>
    public void Reset()
    {
        _file?.Dispose();
        _file = null;
        if (_memory.Capacity > KeptCapacity)
            Release();
        else
            _memory.SetLength(0);
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        Release();
    }

    private void Release() => _memory = new MemoryStream();

    private static FileStream CreateFile()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.DeleteOnClose,
        };
        // Mail is private: the file is readable by this user only.
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(Path.Combine(Path.GetTempPath(), $"milter-pipeline-{Guid.NewGuid():N}.body"), options);
    }
}
