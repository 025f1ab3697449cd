namespace Milter.Protocol;

/// <summary>A command whose payload is one C string: HELO (the HELO/EHLO argument) and UNKNOWN (the command line).</summary>
public readonly struct TextCommand
{
    private TextCommand(ReadOnlyMemory<byte> text) => Text = text;

    /// <summary>The string, without its NUL.</summary>
    public ReadOnlyMemory<byte> Text { get; }

    /// <summary>The string, decoded.</summary>
    public string GetText() => WireText.Decode(Text.Span);

    /// <summary>Parses a one-string payload for <paramref name="command"/> (used in error messages).</summary>
    /// <exception cref="MilterProtocolException">The string is missing or not NUL-terminated.</exception>
    public static TextCommand Parse(ReadOnlyMemory<byte> payload, MilterCommandCode command)
    {
        var reader = new PayloadReader(payload, command == MilterCommandCode.Helo ? "HELO" : "UNKNOWN");
        var text = reader.ReadCString(command == MilterCommandCode.Helo ? "HELO name" : "command line");
        reader.ExpectEnd();
        return new TextCommand(text);
    }
}
