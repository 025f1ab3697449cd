namespace Milter.Protocol;

/// <summary>
/// The MACRO command: the command the macros belong to, then name/value pairs. Enumerate it for the pairs;
/// nothing is copied. An odd trailing name without a value is ignored, as libmilter does.
/// </summary>
public readonly struct MacroCommand
{
    private readonly ReadOnlyMemory<byte> _pairs;

    private MacroCommand(byte forCommand, ReadOnlyMemory<byte> pairs)
    {
        ForCommand = forCommand;
        _pairs = pairs;
    }

    /// <summary>The command byte the macros belong to (any byte is accepted: Postfix also uses 'L', 'B' and 'U').</summary>
    public byte ForCommand { get; }

    /// <summary>Parses a MACRO payload.</summary>
    /// <exception cref="MilterProtocolException">The payload is empty or its last string is not NUL-terminated.</exception>
    public static MacroCommand Parse(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
            throw new MilterProtocolException("MACRO: the payload is empty; it needs at least the command byte.");
        var pairs = payload[1..];
        if (!pairs.IsEmpty && pairs.Span[^1] != 0)
            throw new MilterProtocolException("MACRO: the last string is not NUL-terminated.");
        return new MacroCommand(payload.Span[0], pairs);
    }

    /// <summary>Enumerates the name/value pairs.</summary>
    public Enumerator GetEnumerator() => new(_pairs);

    /// <summary>Walks the name/value pairs of a MACRO payload.</summary>
    public struct Enumerator
    {
        private ReadOnlyMemory<byte> _rest;

        internal Enumerator(ReadOnlyMemory<byte> pairs)
        {
            _rest = pairs;
            Current = default;
        }

        /// <summary>The current pair.</summary>
        public MacroPair Current { get; private set; }

        /// <summary>Moves to the next complete pair.</summary>
        public bool MoveNext()
        {
            var span = _rest.Span;
            var nameEnd = span.IndexOf((byte)0);
            if (nameEnd < 0)
                return false;
            var valueEnd = span[(nameEnd + 1)..].IndexOf((byte)0);
            if (valueEnd < 0)
                return false;
            Current = new MacroPair(_rest[..nameEnd], _rest.Slice(nameEnd + 1, valueEnd));
            _rest = _rest[(nameEnd + valueEnd + 2)..];
            return true;
        }
    }
}

/// <summary>One macro: its name as the MTA spells it and its value, as slices of the payload.</summary>
public readonly record struct MacroPair(ReadOnlyMemory<byte> Name, ReadOnlyMemory<byte> Value)
{
    /// <summary>The name as a string.</summary>
    public string GetName() => WireText.Decode(Name.Span);

    /// <summary>The value as a string.</summary>
    public string GetValue() => WireText.Decode(Value.Span);
}
