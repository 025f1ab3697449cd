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
    // Stages in protocol order (unlike the SMFIM numbers): connect, HELO, MAIL, RCPT, DATA, end of headers, end of message.
    private const int StageCount = 7;

    // Every stage's macros in one store (a connection gets one entry array, not one per stage): the names and values
    // as they arrived, back to back in a pooled buffer, and an entry per macro saying where and for which stage.
    private byte[] _bytes = [];
    private int _byteCount;
    private Entry[] _entries = [];
    private int _count;
    // A bit per stage that has entries: most commands scope out stages that hold none, and then nothing is scanned.
    private int _stagesHeld;
    // Changes (after) whenever the macros in scope change, so the session's thread can keep a value it looked up until then.
    private int _version;

    /// <summary>The value of a macro, or <see langword="null"/> when the MTA has not sent it in the current scope.</summary>
    public string? this[string name] => TryGetValue(name, out var value) ? value : null;

    /// <summary>Looks a macro up, latest stage first.</summary>
    public bool TryGetValue(string name, out string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Unbraced(name.AsSpan());
        var asciiKey = System.Text.Ascii.IsValid(key);
        // The latest stage wins, and within a stage the last of two with one name, as a dictionary's would.
        var found = -1;
        for (var i = 0; i < _count; i++)
        {
            if ((found < 0 || _entries[i].Stage >= _entries[found].Stage) && SameName(NameOf(i), key, asciiKey))
                found = i;
        }

        value = found >= 0 ? ValueOf(found) : string.Empty;
        return found >= 0;
    }

    /// <summary>The macros sent for one stage, under the names the MTA used (braces removed).</summary>
    public IReadOnlyDictionary<string, string> GetStage(MacroStage stage)
    {
        var macros = new Dictionary<string, string>(StringComparer.Ordinal);
        CopyTo(macros, StageIndex(stage), StageIndex(stage));
        return macros;
    }

    /// <summary>Every macro in scope; a later stage's value wins.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var stage = 0; stage < StageCount; stage++)
            CopyTo(all, stage, stage);
        return all;
    }

    /// <summary>A number that changes whenever the macros in scope change (the session's cached queue id is checked against it).</summary>
    internal int Version => _version;

    /// <summary>Stores the macros of one MACRO packet; returns false (and stores nothing) for command bytes libmilter ignores.</summary>
    internal bool Set(byte forCommand, in MacroCommand command)
    {
        if (StageOf(forCommand) is not { } stage)
            return false;
        var index = StageIndex(stage);
        Remove(index, index);
        var size = 0;
        var count = 0;
        foreach (var pair in command)
        {
            size += pair.Name.Length + pair.Value.Length;
            count++;
        }

        if (count == 0)
            return true;
        MakeRoom(count, size);
        foreach (var pair in command)
        {
            var name = Unbraced(pair.Name.Span);
            name.CopyTo(_bytes.AsSpan(_byteCount));
            pair.Value.Span.CopyTo(_bytes.AsSpan(_byteCount + name.Length));
            _entries[_count++] = new Entry((byte)index, _byteCount, name.Length, pair.Value.Length);
            _stagesHeld |= 1 << index;
            _byteCount += name.Length + pair.Value.Length;
        }

        _version++;
        return true;
    }

    /// <summary>Drops the macros of the stages after <paramref name="stage"/>, and of the stage itself unless <paramref name="keepStage"/>.</summary>
    internal void ClearFrom(MacroStage stage, bool keepStage) =>
        Remove(StageIndex(stage) + (keepStage ? 1 : 0), StageCount - 1);

    /// <summary>Drops everything (new connection on the same socket).</summary>
    internal void Clear()
    {
        if (_bytes.Length > 0)
            ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = [];
        _byteCount = 0;
        Array.Clear(_entries, 0, _count);
        _count = 0;
        _stagesHeld = 0;
        _version++;
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

    private static int StageIndex(MacroStage stage) => stage switch
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

    private ReadOnlySpan<byte> NameOf(int i) => _bytes.AsSpan(_entries[i].Start, _entries[i].NameLength);

    private string ValueOf(int i)
    {
        ref var entry = ref _entries[i];
        return entry.Value ??= WireText.Decode(_bytes.AsSpan(entry.Start + entry.NameLength, entry.ValueLength));
    }

    private void CopyTo(Dictionary<string, string> macros, int firstStage, int lastStage)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Stage >= firstStage && _entries[i].Stage <= lastStage)
                macros[WireText.Decode(NameOf(i))] = ValueOf(i);
        }
    }

    /// <summary>Drops the entries of the stages from <paramref name="firstStage"/> to <paramref name="lastStage"/>; their bytes stay until <see cref="MakeRoom"/> needs the space.</summary>
    private void Remove(int firstStage, int lastStage)
    {
        var removed = (2 << lastStage) - (1 << firstStage);
        if ((_stagesHeld & removed) == 0)
            return;
        _stagesHeld &= ~removed;
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Stage < firstStage || _entries[i].Stage > lastStage)
                _entries[kept++] = _entries[i];
        }

        Array.Clear(_entries, kept, _count - kept);
        _count = kept;
        if (_count == 0)
            _byteCount = 0;
        _version++;
    }

    /// <summary>
    /// Makes room for <paramref name="count"/> more entries of <paramref name="size"/> bytes in all. Bytes of dropped
    /// entries are reclaimed only here, by moving the live ones into a buffer of their own size.
    /// </summary>
    private void MakeRoom(int count, int size)
    {
        if (_entries.Length - _count < count)
            Array.Resize(ref _entries, Math.Max(_count + count, Math.Max(16, 2 * _entries.Length)));
        if (_bytes.Length - _byteCount >= size)
            return;
        var live = 0;
        for (var i = 0; i < _count; i++)
            live += _entries[i].NameLength + _entries[i].ValueLength;
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(2 * (live + size), 256));
        var at = 0;
        for (var i = 0; i < _count; i++)
        {
            ref var entry = ref _entries[i];
            var length = entry.NameLength + entry.ValueLength;
            _bytes.AsSpan(entry.Start, length).CopyTo(bytes.AsSpan(at));
            entry = entry with { Start = at };
            at += length;
        }

        if (_bytes.Length > 0)
            ArrayPool<byte>.Shared.Return(_bytes);
        (_bytes, _byteCount) = (bytes, at);
    }

    // Macro names are ASCII in every MTA we know, and an ASCII key matches only the same bytes (a byte over 0x7F decodes
    // to a character over it); anything else is compared as decoded text.
    private static bool SameName(ReadOnlySpan<byte> name, ReadOnlySpan<char> key, bool asciiKey)
    {
        if (!asciiKey)
            return WireText.Decode(name).AsSpan().SequenceEqual(key);
        if (name.Length != key.Length)
            return false;
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != key[i])
                return false;
        }

        return true;
    }

    private record struct Entry(byte Stage, int Start, int NameLength, int ValueLength)
    {
        /// <summary>The value as a string, once it has been read.</summary>
        public string? Value;
    }
}
