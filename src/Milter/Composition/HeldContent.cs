using System.Runtime.InteropServices;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// What a pipeline holds of one message for its parts that are shown the content at end of message, as the earlier parts
/// left it: the headers as received (in memory: the MTA's header limits, and the session's message limits when set, bound
/// them) and the body (<see cref="HeldBody"/>), each only when such a part reads it. Made on the first message that needs
/// it, kept for the connection, emptied when the message ends. With the changes the earlier parts recorded, it gives the
/// content as they left it.
/// </summary>
internal sealed class HeldContent : IDisposable
{
    private readonly List<HeaderField> _headers = [];

    /// <summary>Headers are held for this message.</summary>
    public bool HoldsHeaders { get; private set; }

    /// <summary>The body is held for this message.</summary>
    public bool HoldsBody { get; private set; }

    /// <summary>The headers as the MTA sent them, in order.</summary>
    public IReadOnlyList<HeaderField> Headers => _headers;

    public HeldBody Body { get; } = new();

    /// <summary>
    /// A replacement body an earlier part gave as a stream, read once into a <see cref="HeldBody"/> the message's changes now
    /// own and send from; the replays rewind it.
    /// </summary>
    public Stream? Replacement { get; private set; }

    /// <summary>Starts a message: holds what the parts shown the content then will read.</summary>
    public void Start(bool headers, bool body)
    {
        (HoldsHeaders, HoldsBody) = (headers, body);
        _headers.Clear();
        Body.Reset();
        Replacement = null;
    }

    /// <summary>Keeps a copy of a header (the session's buffer is reused after the step).</summary>
    public void Hold(HeaderField header) => _headers.Add(new HeaderField(header.RawName.ToArray(), header.RawValue.ToArray()));

    /// <summary>The headers as the MTA would now show them: as received, with the changes recorded so far (in their index meaning).</summary>
    public IEnumerable<HeaderField> CurrentHeaders(MessageChanges changes)
    {
        if (changes.ChangedHeaders is not { } list)
            return _headers;
        return list.Visible()
            .Where(h => h.Value is not null || (uint)h.Source < (uint)_headers.Count)
            .Select(h => h.Value is { } value ? Written(h.Name, value) : _headers[h.Source]);
    }

    /// <summary>
    /// The body as it now stands, and whether the reader is the caller's to dispose: a replacement recorded so far, or the body
    /// as received. A replacement given as a stream is read once into a <see cref="HeldBody"/> (memory, then a file) that the
    /// changes then own and send from (<see cref="Replacement"/>); the caller rewinds it.
    /// </summary>
    public async ValueTask<(Stream Body, bool Owned)> CurrentBodyAsync(MessageChanges changes, CancellationToken cancellationToken)
    {
        var (bytes, stream) = changes.Body;
        if (bytes is { } replaced)
        {
            return (MemoryMarshal.TryGetArray(replaced, out var array)
                ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
                : new MemoryStream(replaced.ToArray(), writable: false), true);
        }

        if (stream is null)
            return (Body.OpenRead(), true);
        if (!ReferenceEquals(stream, Replacement))
        {
            using var copy = new HeldBody();
            await copy.AppendAsync(stream, cancellationToken).ConfigureAwait(false);
            Replacement = copy.Detach();
            changes.SetBody(null, Replacement, leaveOpen: false);
        }

        return (Replacement, false);
    }

    /// <summary>A header a change wrote, as the MTA would send it to the next milter.</summary>
    private static HeaderField Written(string name, string value) => new(WireText.Encode(name), WireText.Encode(value));

    public void Dispose() => Body.Dispose();
}
