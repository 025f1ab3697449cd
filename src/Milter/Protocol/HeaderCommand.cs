namespace Milter.Protocol;

/// <summary>The HEADER command: one header field's name and value (folded lines joined by bare LF).</summary>
public readonly struct HeaderCommand
{
    private HeaderCommand(ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> value)
    {
        Name = name;
        Value = value;
    }

    /// <summary>The field name in the client's spelling.</summary>
    public ReadOnlyMemory<byte> Name { get; }

    /// <summary>The value; without its leading space unless HDR_LEADSPC was negotiated.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The name as a string.</summary>
    public string GetName() => WireText.Decode(Name.Span);

    /// <summary>The value as a string.</summary>
    public string GetValue() => WireText.Decode(Value.Span);

    /// <summary>Parses a HEADER payload: <c>name\0value\0</c>.</summary>
    /// <exception cref="MilterProtocolException">The name or the value is missing or not NUL-terminated.</exception>
    public static HeaderCommand Parse(ReadOnlyMemory<byte> payload)
    {
        var reader = new PayloadReader(payload, "HEADER");
        var name = reader.ReadCString("header name");
        var value = reader.ReadCString("header value");
        reader.ExpectEnd();
        return new HeaderCommand(name, value);
    }
}
