using MimeKit;

namespace Milter.Mime;

/// <summary>
/// Counts a captured message's MIME parts and estimates their decoded size with MimeKit's streaming reader, which builds
/// no objects, so a message made of a hundred thousand tiny parts costs a pass over its bytes instead of a tree of a
/// hundred thousand entities. Stops at the first limit passed.
/// </summary>
internal sealed class MimeLimits : MimeReader
{
    private readonly int _maxParts;
    private readonly long _maxDecodedSize;
    private int _parts;
    private long _decodedSize;
    private bool _base64;

    private MimeLimits(Stream message, int maxParts, long maxDecodedSize)
        : base(message, MimeFormat.Entity)
    {
        _maxParts = maxParts;
        _maxDecodedSize = maxDecodedSize;
    }

    /// <summary>Why the message is over a limit, or null when it is within both.</summary>
    public static string? Check(Stream message, int maxParts, long maxDecodedSize)
    {
        try
        {
            new MimeLimits(message, maxParts, maxDecodedSize).ReadMessage();
            return null;
        }
        catch (OverLimitException e)
        {
            return e.Message;
        }
        catch (FormatException)
        {
            // Not parseable at all: MimeParser will say so in its own words.
            return null;
        }
    }

    protected override void OnHeadersBegin(long beginOffset, int beginLineNumber, CancellationToken cancellationToken) => _base64 = false;

    protected override void OnHeaderRead(Header header, int beginLineNumber, CancellationToken cancellationToken)
    {
        if (header.Id == HeaderId.ContentTransferEncoding)
            _base64 = header.Value.Trim().Equals("base64", StringComparison.OrdinalIgnoreCase);
    }

    protected override void OnMimePartBegin(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken) => CountPart();

    protected override void OnMultipartBegin(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken) => CountPart();

    protected override void OnMessagePartBegin(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken) => CountPart();

    protected override void OnMimePartContentEnd(long beginOffset, int beginLineNumber, long endOffset, int lines, NewLineFormat? newLineFormat, CancellationToken cancellationToken)
    {
        // Decoding never grows content except base64's 4 bytes to 3 shrinking; a bound without decoding anything.
        var length = endOffset - beginOffset;
        _decodedSize += _base64 ? length * 3 / 4 : length;
        if (_decodedSize > _maxDecodedSize)
            throw new OverLimitException($"its parts hold more than {_maxDecodedSize} bytes once decoded (MaxDecodedSize)");
    }

    private void CountPart()
    {
        if (++_parts > _maxParts)
            throw new OverLimitException($"it has more than {_maxParts} MIME parts (MaxParts)");
    }

    private sealed class OverLimitException(string message) : Exception(message);
}
