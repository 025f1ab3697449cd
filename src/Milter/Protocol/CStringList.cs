namespace Milter.Protocol;

/// <summary>NUL-terminated strings laid end to end, as slices of a payload. Enumerate it for each string.</summary>
public readonly struct CStringList
{
    private readonly ReadOnlyMemory<byte> _strings;

    internal CStringList(ReadOnlyMemory<byte> strings) => _strings = strings;

    /// <summary>Whether the list has no strings.</summary>
    public bool IsEmpty => _strings.IsEmpty;

    /// <summary>Enumerates the strings.</summary>
    public Enumerator GetEnumerator() => new(_strings);

    /// <summary>Decodes every string.</summary>
    public string[] ToStringArray()
    {
        if (_strings.IsEmpty)
            return [];
        var result = new string[_strings.Span.Count((byte)0)];
        var i = 0;
        foreach (var item in this)
            result[i++] = WireText.Decode(item.Span);
        return result;
    }

    /// <summary>Walks the strings of a list.</summary>
    public struct Enumerator
    {
        private ReadOnlyMemory<byte> _rest;

        internal Enumerator(ReadOnlyMemory<byte> strings)
        {
            _rest = strings;
            Current = default;
        }

        /// <summary>The current string, without its NUL.</summary>
        public ReadOnlyMemory<byte> Current { get; private set; }

        /// <summary>Moves to the next string.</summary>
        public bool MoveNext()
        {
            var end = _rest.Span.IndexOf((byte)0);
            if (end < 0)
                return false;
            Current = _rest[..end];
            _rest = _rest[(end + 1)..];
            return true;
        }
    }
}
