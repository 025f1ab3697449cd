using Milter.Protocol;

namespace Milter;

/// <summary>
/// What a pipeline holds of one message for its parts that are shown the content at end of message, as the earlier parts
/// left it: the headers as received (in memory: the MTA's header limits, and the session's message limits when set, bound
/// them) and the body (<see cref="HeldBody"/>), each only when such a part reads it. Made on the first message that needs
/// it, kept for the connection, emptied when the message ends.
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
    public Stream? Replacement { get; set; }

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

    /// <summary>A header a change wrote, as the MTA would send it to the next milter.</summary>
    public static HeaderField Written(string name, string value) => new(WireText.Encode(name), WireText.Encode(value));

    public void Dispose() => Body.Dispose();
}
