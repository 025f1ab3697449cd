using System.Buffers;
using Milter.Protocol;

namespace Milter;

/// <summary>
/// The macros the MTA has sent that are still in scope, kept per stage as libmilter does: a lookup checks the
/// latest stage first, and a new CONNECT, HELO, MAIL or RCPT drops the macros of the stages after it.
/// Names may be given with or without braces: <c>auth_authen</c> and <c>{auth_authen}</c> are the same macro.
/// </summary>
/// <remarks>
/// The MTA sends many macros nobody reads (Postfix repeats the queue id before every header). They are kept as the bytes
/// that came in, and a value becomes a string only when it is read, once.
/// </remarks>
public sealed class MilterMacros
{
    // Slots in protocol order (unlike the SMFIM numbers): connect, HELO, MAIL, RCPT, DATA, end of headers, end of message.
    private const int SlotCount = 7;

    // Inline in this object rather than an array of its own: one allocation fewer per SMTP connection.
    private Slots _slots;

    /// <summary>The value of a macro, or <see langword="null"/> when the MTA has not sent it in the current scope.</summary>
    public string? this[string name] => TryGetValue(name, out var value) ? value : null;

    /// <summary>Looks a macro up, latest stage first.</summary>
    public bool TryGetValue(string name, out string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Unbraced(name.AsSpan());
        for (var slot = SlotCount - 1; slot >= 0; slot--)
        {
            if (_slots[slot]?.Find(key) is { } found)
            {
                value = found;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    /// <summary>The macros sent for one stage, under the names the MTA used (braces removed).</summary>
    public IReadOnlyDictionary<string, string> GetStage(MacroStage stage)
    {
        var macros = new Dictionary<string, string>(StringComparer.Ordinal);
        _slots[SlotOf(stage)]?.CopyTo(macros);
        return macros;
    }

    /// <summary>Every macro in scope; a later stage's value wins.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var slot in _slots)
            slot?.CopyTo(all);
        return all;
    }

    /// <summary>Stores the macros of one MACRO packet; returns false (and stores nothing) for command bytes libmilter ignores.</summary>
    internal bool Set(byte forCommand, in MacroCommand command)
    {
        var slot = SlotOf(forCommand);
        if (slot < 0)
            return false;
        (_slots[slot] ??= new Slot()).Set(command);
        return true;
    }

    /// <summary>Drops the macros of the stages after <paramref name="stage"/>, and of the stage itself unless <paramref name="keepStage"/>.</summary>
    internal void ClearFrom(MacroStage stage, bool keepStage)
    {
        for (var slot = SlotOf(stage) + (keepStage ? 1 : 0); slot < SlotCount; slot++)
            _slots[slot]?.Clear();
    }

    /// <summary>Drops everything (new connection on the same socket).</summary>
    internal void Clear()
    {
        foreach (var slot in _slots)
            slot?.Clear();
    }

    internal static MacroStage? StageOf(byte forCommand) => (MilterCommandCode)forCommand switch
    {
        MilterCommandCode.Connect => MacroStage.Connect,
        MilterCommandCode.Helo => MacroStage.Helo,
        MilterCommandCode.Mail => MacroStage.Mail,
        MilterCommandCode.Rcpt => MacroStage.Rcpt,
        MilterCommandCode.Data => MacroStage.Data,
        MilterCommandCode.EndOfHeaders => MacroStage.EndOfHeaders,
        MilterCommandCode.EndOfBody => MacroStage.EndOfMessage,
        _ => null,
    };

    private static int SlotOf(byte forCommand) => StageOf(forCommand) is { } stage ? SlotOf(stage) : -1;

    private static int SlotOf(MacroStage stage) => stage switch
    {
        MacroStage.Connect => 0,
        MacroStage.Helo => 1,
        MacroStage.Mail => 2,
        MacroStage.Rcpt => 3,
        MacroStage.Data => 4,
        MacroStage.EndOfHeaders => 5,
        MacroStage.EndOfMessage => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Unknown macro stage."),
    };

    private static ReadOnlySpan<char> Unbraced(ReadOnlySpan<char> name) =>
        name.Length > 2 && name[0] == '{' && name[^1] == '}' ? name[1..^1] : name;

    private static ReadOnlySpan<byte> Unbraced(ReadOnlySpan<byte> name) =>
        name.Length > 2 && name[0] == '{' && name[^1] == '}' ? name[1..^1] : name;

    /// <summary>One stage's macros: the names and values as they arrived, in a pooled buffer; values decoded when read.</summary>
    private sealed class Slot
    {
        private byte[] _bytes = [];
        private Entry[] _entries = [];
        private int _count;

        public void Set(in MacroCommand command)
        {
            Clear();
            var size = 0;
            var count = 0;
            foreach (var pair in command)
            {
                size += pair.Name.Length + pair.Value.Length;
                count++;
            }

            if (count == 0)
                return;
            _bytes = ArrayPool<byte>.Shared.Rent(size);
            if (_entries.Length < count)
                _entries = new Entry[Math.Max(count, 8)];
            var at = 0;
            foreach (var pair in command)
            {
                var name = Unbraced(pair.Name.Span);
                name.CopyTo(_bytes.AsSpan(at));
                pair.Value.Span.CopyTo(_bytes.AsSpan(at + name.Length));
                _entries[_count++] = new Entry(at, name.Length, pair.Value.Length);
                at += name.Length + pair.Value.Length;
            }
        }

        /// <summary>The value of a name (without braces); the last of two with one name wins, as a dictionary's would.</summary>
        public string? Find(ReadOnlySpan<char> key)
        {
            for (var i = _count - 1; i >= 0; i--)
            {
                ref var entry = ref _entries[i];
                if (SameName(_bytes.AsSpan(entry.Start, entry.NameLength), key))
                    return entry.Value ??= WireText.Decode(_bytes.AsSpan(entry.Start + entry.NameLength, entry.ValueLength));
            }

            return null;
        }

        public void CopyTo(Dictionary<string, string> macros)
        {
            for (var i = 0; i < _count; i++)
            {
                ref var entry = ref _entries[i];
                macros[WireText.Decode(_bytes.AsSpan(entry.Start, entry.NameLength))] =
                    entry.Value ??= WireText.Decode(_bytes.AsSpan(entry.Start + entry.NameLength, entry.ValueLength));
            }
        }

        public void Clear()
        {
            if (_bytes.Length > 0)
                ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
            Array.Clear(_entries, 0, _count);
            _count = 0;
        }

        // Macro names are ASCII in every MTA we know; anything else is compared as decoded text.
        private static bool SameName(ReadOnlySpan<byte> name, ReadOnlySpan<char> key)
        {
            if (name.Length != key.Length)
                return System.Text.Ascii.IsValid(name) ? false : WireText.Decode(name).AsSpan().SequenceEqual(key);
            for (var i = 0; i < name.Length; i++)
            {
                if (name[i] != key[i])
                    return name[i] >= 0x80 && WireText.Decode(name).AsSpan().SequenceEqual(key);
            }

            return true;
        }

        private struct Entry(int start, int nameLength, int valueLength)
        {
            public readonly int Start = start;
            public readonly int NameLength = nameLength;
            public readonly int ValueLength = valueLength;

            /// <summary>The value as a string, once it has been read.</summary>
            public string? Value;
        }
    }

    [System.Runtime.CompilerServices.InlineArray(SlotCount)]
    private struct Slots
    {
        private Slot? _first;
    }
}
