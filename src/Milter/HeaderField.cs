using System.Text;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// One header field as the MTA sent it, kept as bytes: the name and the value become strings only when read, so a
/// handler that looks at a few headers pays for those alone. Valid only during the handler call it is passed to.
/// </summary>
public readonly struct HeaderField
{
    internal HeaderField(ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> value)
    {
        RawName = name;
        RawValue = value;
    }

    /// <summary>The name's bytes in the client's spelling; valid only during the call.</summary>
    public ReadOnlyMemory<byte> RawName { get; }

    /// <summary>The value's bytes (folded lines joined by bare LF); valid only during the call.</summary>
    public ReadOnlyMemory<byte> RawValue { get; }

    /// <summary>The name in the client's spelling. Common names come from a table and cost nothing.</summary>
    public string Name => KnownHeaderNames.Decode(RawName.Span);

    /// <summary>The value as a string (see <see cref="WireText"/>), decoded at each read: keep it if you need it twice.</summary>
    public string Value => WireText.Decode(RawValue.Span);

    /// <summary>Whether the name is <paramref name="name"/>, ignoring ASCII case as header names do; allocates nothing.</summary>
    public bool NameIs(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var raw = RawName.Span;
        if (raw.Length != name.Length)
            return false;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] > 0x7F || AsciiLower(raw[i]) != AsciiLower(name[i]))
                return false;
        }

        return true;
    }

    private static int AsciiLower(int c) => c is >= 'A' and <= 'Z' ? c + 32 : c;

    /// <summary>The field as <c>Name: Value</c>.</summary>
    public override string ToString() => new StringBuilder().Append(Name).Append(": ").Append(Value).ToString();
}
