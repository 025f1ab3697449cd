using System.Buffers;
using Milter.Protocol;
using MimeKit;

namespace Milter.Mime;

/// <summary>
/// Collects a message's headers and body as the MTA sends them, and gives it back at end of message as a
/// <see cref="MimeMessage"/>. Memory stays bounded: above <see cref="MessageCaptureOptions.MemoryLimit"/> the
/// bytes go to an unnamed temporary file, which is gone on every path (see <see cref="Clear"/>).
/// Feed it from the header and body handlers, read <see cref="Message"/> at end of message, then hand it to
/// <see cref="MimeRewriter.ApplyChanges(EndOfMessageContext, MessageCapture)"/> to send what changed.
/// Clear it when the message ends (end of message or abort). One capture serves one message at a time.
/// </summary>
public sealed class MessageCapture : IDisposable
{
    private readonly MessageCaptureOptions _options;
    private readonly SpillBuffer _buffer;
    private readonly List<CapturedHeader> _headers = [];
    private long _bodyStart = -1;
    private Stream? _parsed;
    private MimeMessage? _message;
    private string? _overLimit;
    private bool _limitsChecked;
    private int _placeholderLength;

    /// <summary>Creates an empty capture.</summary>
    public MessageCapture(MessageCaptureOptions? options = null)
    {
        _options = options ?? new MessageCaptureOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MemoryLimit);
        _buffer = new SpillBuffer(_options.MemoryLimit, _options.TemporaryDirectory);
    }

    /// <summary>The headers in the order received.</summary>
    public IReadOnlyList<CapturedHeader> Headers => _headers;

    /// <summary>The size of the message so far, in bytes, with CRLF line ends.</summary>
    public long Size => _buffer.Length - _placeholderLength;

    /// <summary>Whether the message was large enough to go to a temporary file.</summary>
    public bool IsSpilled => _buffer.IsSpilled;

    /// <summary>Whether HDR_LEADSPC values are expected (from the options).</summary>
    public bool HeaderLeadingSpace => _options.HeaderLeadingSpace;

    /// <summary>Adds a header, as the header handler received it.</summary>
    public void AddHeader(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (_bodyStart >= 0)
            throw new InvalidOperationException("A header came after the body started; the MTA sends all headers first. Was the capture cleared when the last message ended?");
        if (_headers.Count == 0 && !IsFieldName(name))
        {
            // MimeKit refuses a message whose first line is not a header, but keeps a malformed header further down as
            // it is. A placeholder above it (removed once parsed) lets the message be looked into and sent back intact.
            _buffer.Write(Placeholder);
            _placeholderLength = Placeholder.Length;
        }

        _headers.Add(new CapturedHeader(name, value));
        WriteText(name);
        WriteText(_options.HeaderLeadingSpace ? ":" : ": ");
        // Folded values arrive with bare LF; a message on the wire has CRLF.
        var rest = value.AsSpan();
        for (var newline = rest.IndexOf('\n'); newline >= 0; newline = rest.IndexOf('\n'))
        {
            WriteText(rest[..newline].TrimEnd('\r'));
            _buffer.Write("\r\n"u8);
            rest = rest[(newline + 1)..];
        }

        WriteText(rest);
        _buffer.Write("\r\n"u8);
    }

    /// <summary>Adds a piece of the body, as the body handler received it (CRLF line ends).</summary>
    public void AddBody(ReadOnlySpan<byte> chunk)
    {
        EndHeaders();
        _buffer.Write(chunk);
    }

    /// <summary>
    /// The message parsed from what was captured. Parsed once; changes made to it are what <see cref="MimeRewriter"/> sends.
    /// </summary>
    /// <exception cref="MimeLimitException">The message is over <see cref="MessageCaptureOptions.MaxParts"/> or
    /// <see cref="MessageCaptureOptions.MaxDecodedSize"/>; check <see cref="OverLimitVerdict"/> first.</exception>
    public MimeMessage Message
    {
        get
        {
            if (_message is null)
            {
                if (OverLimitVerdict is { } verdict)
                    throw new MimeLimitException(OverLimitReason!, verdict);
                // Persistent: the parts' contents stay in the buffer (or file) instead of being copied into memory.
                _parsed = _buffer.OpenRead();
                var message = new MimeParser(_parsed, MimeFormat.Entity, persistent: true).ParseMessage();
                if (_placeholderLength > 0)
                    message.Headers.RemoveAt(0);
                _message = message;
            }

            return _message;
        }
    }

    /// <summary>
    /// The answer <see cref="MessageCaptureOptions.OverLimit"/> gives for a message over <see cref="MessageCaptureOptions.MaxParts"/>
    /// or <see cref="MessageCaptureOptions.MaxDecodedSize"/>, or null when it is within both. Checked once, with a pass
    /// over the bytes that builds nothing; ask before <see cref="Message"/>.
    /// </summary>
    public MilterVerdict? OverLimitVerdict
    {
        get
        {
            if (!_limitsChecked)
            {
                EndHeaders();
                using (var bytes = _buffer.OpenRead())
                    _overLimit = MimeLimits.Check(bytes, _options.MaxParts, _options.MaxDecodedSize);
                _limitsChecked = true;
            }

            return _overLimit is null ? null : _options.OverLimit switch
            {
                MimeLimitAction.Reject => MilterVerdict.Reject(554, "5.6.0", "Message too complex to be checked"),
                MimeLimitAction.Accept => MilterVerdict.Accept,
                _ => MilterVerdict.Tempfail(451, "4.7.0", "Message too complex to be checked now"),
            };
        }
    }

    /// <summary>Why the message is over a limit (for the log), or null.</summary>
    public string? OverLimitReason => OverLimitVerdict is null ? null : $"The message is over a limit: {_overLimit}.";

    /// <summary>The body as received (after the blank line), read-only. Dispose the stream before clearing the capture.</summary>
    public Stream OpenBody()
    {
        EndHeaders();
        return _buffer.OpenRead(_bodyStart);
    }

    /// <summary>Forgets the message and removes any temporary file, ready for the next message.</summary>
    public void Clear()
    {
        _message = null;
        _parsed?.Dispose();
        _parsed = null;
        _headers.Clear();
        _bodyStart = -1;
        _overLimit = null;
        _limitsChecked = false;
        _placeholderLength = 0;
        _buffer.Clear();
    }

    /// <summary>Removes any temporary file.</summary>
    public void Dispose()
    {
        _parsed?.Dispose();
        _buffer.Dispose();
    }

    /// <summary>An empty buffer with this capture's memory limit and temporary folder, for a rewritten copy.</summary>
    internal SpillBuffer CreateBuffer() => new(_options.MemoryLimit, _options.TemporaryDirectory);

    private void EndHeaders()
    {
        if (_bodyStart >= 0)
            return;
        _buffer.Write("\r\n"u8);
        _bodyStart = _buffer.Length;
    }

    private static ReadOnlySpan<byte> Placeholder => "X-Milter-Placeholder: parsed past a malformed first header\r\n"u8;

    // RFC 5322 field names: printable US-ASCII except the colon.
    private static bool IsFieldName(string name) => name.All(c => c is > ' ' and <= '~' and not ':');

    private void WriteText(ReadOnlySpan<char> text)
    {
        // WireText turns escaped raw bytes (8-bit headers that were not UTF-8) back into the bytes the MTA sent.
        var rented = ArrayPool<byte>.Shared.Rent(WireText.GetMaxByteCount(text.Length));
        try
        {
            _buffer.Write(rented.AsSpan(0, WireText.Encode(text, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
