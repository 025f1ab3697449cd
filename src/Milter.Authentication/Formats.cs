using MimeKit;

namespace Milter.Authentication;

/// <summary>MimeKit's formatting as the message is on the wire: CRLF line ends, 8-bit headers kept as they came.</summary>
internal static class Formats
{
    public static readonly FormatOptions Wire = Create();

    private static FormatOptions Create()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
