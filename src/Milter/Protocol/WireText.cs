using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Milter.Protocol;

/// <summary>
/// Converts between the bytes on the wire and .NET strings without losing a byte.
/// </summary>
/// <remarks>
/// Milter text is bytes: usually ASCII, sometimes UTF-8, sometimes 8-bit garbage. Valid UTF-8 decodes
/// to the characters it encodes; each byte that is not part of valid UTF-8 decodes to the lone
/// surrogate U+DC80 + (byte − 0x80), as Python's <c>surrogateescape</c> does (pymilter's choice too).
/// Encoding reverses this exactly, so <c>Encode(Decode(bytes))</c> returns the original bytes for any input,
/// and ordinary strings are sent as UTF-8.
/// </remarks>
public static class WireText
{
    private const char FirstEscape = '\uDC80';
    private const char LastEscape = '\uDCFF';
    private const int StackLimit = 512;

    /// <summary>The largest number of bytes <paramref name="charCount"/> characters can encode to.</summary>
    public static int GetMaxByteCount(int charCount) => checked(charCount * 3);

    /// <summary>Decodes wire bytes to a string, escaping bytes that are not valid UTF-8.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return string.Empty;
        if (Utf8.IsValid(bytes))
            return Encoding.UTF8.GetString(bytes);

        // UTF-8 never needs more UTF-16 units than bytes, and an escape is one unit per byte.
        char[]? rented = null;
        Span<char> chars = bytes.Length <= StackLimit
            ? stackalloc char[StackLimit]
            : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            var written = 0;
            while (!bytes.IsEmpty)
            {
                Utf8.ToUtf16(bytes, chars[written..], out var read, out var produced, replaceInvalidSequences: false);
                written += produced;
                bytes = bytes[read..];
                if (bytes.IsEmpty)
                    break;
                chars[written++] = (char)(FirstEscape + bytes[0] - 0x80);
                bytes = bytes[1..];
            }

            return new string(chars[..written]);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Encodes a string to wire bytes: UTF-8, with escaped bytes restored.</summary>
    /// <returns>The number of bytes written to <paramref name="destination"/>.</returns>
    /// <exception cref="ArgumentException">The text holds a lone surrogate that is not an escaped byte,
    /// or <paramref name="destination"/> is too small.</exception>
    public static int Encode(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var total = 0;
        while (true)
        {
            var status = Utf8.FromUtf16(text, destination[total..], out var read, out var written, replaceInvalidSequences: false);
            total += written;
            text = text[read..];
            switch (status)
            {
                case OperationStatus.Done:
                    return total;
                case OperationStatus.DestinationTooSmall:
                    throw new ArgumentException("The destination is too small for the encoded text.", nameof(destination));
            }

            var c = text[0];
            if (c is < FirstEscape or > LastEscape)
                throw new ArgumentException($"The text holds a lone surrogate U+{(int)c:X4}, which cannot be sent.", nameof(text));
            if (total == destination.Length)
                throw new ArgumentException("The destination is too small for the encoded text.", nameof(destination));
            destination[total++] = (byte)(c - FirstEscape + 0x80);
            text = text[1..];
        }
    }

    /// <summary>Encodes a string to a new byte array.</summary>
    public static byte[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encode(text, buffer);
            return buffer[..length].ToArray();
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
